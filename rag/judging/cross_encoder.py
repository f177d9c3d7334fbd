"""A judge from a local cross-encoder (RAG_RERANKER): it reads question and passage together."""

from rag.config import Settings
from rag.errors import UnknownComponentError
from rag.judging.base import GeneratorFactory, Verdict
from rag.retrieval.rerank import CrossEncoderReranker
from rag.retrieval.retriever import Retrieval

JUDGED = 5


class CrossEncoderJudge:
    """Scores the first JUDGED passages; the best goes first, and the question counts as
    answered when its score reaches RAG_JUDGE_MIN_SCORE (a logit: 0 is even odds for the
    MS MARCO cross-encoders)."""

    name = "cross-encoder"

    def __init__(self, settings: Settings, generator: GeneratorFactory | None = None) -> None:
        if not settings.reranker:
            raise UnknownComponentError(
                "Judge 'cross-encoder' is not configured: set RAG_RERANKER to a local "
                "cross-encoder folder"
            )
        self.settings = settings
        self.model = CrossEncoderReranker(settings.reranker)

    def judge(self, retrieval: Retrieval) -> Verdict:
        head = retrieval.passages[:JUDGED]
        scores = self.model.scores(retrieval.reading, [p.text for p in head])
        if not scores:
            return Verdict(self.name, False, reason="No passage to judge.")
        order = tuple(sorted(range(len(scores)), key=lambda i: -scores[i]))
        best = scores[order[0]]
        answerable = best >= self.settings.judge_min_score
        verdict = "answers" if answerable else "does not answer"
        return Verdict(
            self.name,
            answerable,
            order,
            reason=f"The cross-encoder scores the best passage {best:.2f}: it {verdict} the "
            f"question (cut-off {self.settings.judge_min_score:g}).",
        )
