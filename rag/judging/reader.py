"""The default judge: the bundled reader reads the question with each top passage's windows.

Word signals cannot tell a passage that answers from one that only discusses the same event
(the year, the place or the figure asked about is the one thing missing); a cross-encoder that
reads question and window together can. Each of the first JUDGED passages is cut into sentence
windows (rag.judging.windows, as in training), every window is scored, and a passage counts by
its best window. The question is answered when the best window's probability, mixed with the
word-signal model's where the manifest holds a combiner, reaches the manifest's operating point;
both were chosen on tuning data only (eval/reader).
"""

import re

from rag.config import Settings
from rag.judging.base import GeneratorFactory, Verdict
from rag.judging.reading import Reader, reader
from rag.judging.windows import windows
from rag.retrieval.abstention import AbstentionModel
from rag.retrieval.evidence import stems_of
from rag.retrieval.retriever import Retrieval

JUDGED = 5
QUOTED = 160
_WORD = re.compile(r"[\w'’]+")


class ReaderJudge:
    """Orders the first JUDGED passages by their best window, and answers from the best one's
    score; the reason quotes the closest window and names what it lacks."""

    name = "reader"

    def __init__(self, settings: Settings, generator: GeneratorFactory | None = None) -> None:
        self.settings = settings
        self.model = reader()
        self.abstention = AbstentionModel.load(settings.abstention_model)

    def judge(self, retrieval: Retrieval) -> Verdict:
        best = best_windows(self.model, retrieval)
        if not best:
            return Verdict(self.name, False, reason="No passage to read.")
        manifest = self.model.manifest
        order = tuple(sorted(best, key=lambda i: -best[i][0]))
        score, window = best[order[0]]
        signals = self.abstention.confidence(retrieval.signals) if retrieval.signals else None
        answerable = manifest.decide(score, signals) >= manifest.threshold
        reason = _reason(retrieval, order[0], score, window, answerable)
        return Verdict(self.name, answerable, order if manifest.reorder else (), reason)


def best_windows(model: Reader, retrieval: Retrieval) -> dict[int, tuple[float, str]]:
    """For each of the first JUDGED passages (by index), its best window's score and text."""
    head = retrieval.passages[:JUDGED]
    flat = [(i, p.text[s.start : s.end]) for i, p in enumerate(head) for s in windows(p.text)]
    scores = model.scores(retrieval.reading, [text for _, text in flat]) if flat else []
    best: dict[int, tuple[float, str]] = {}
    for (i, text), score in zip(flat, scores, strict=True):
        if score > best.get(i, (-1.0, ""))[0]:
            best[i] = (score, text)
    return best


def _reason(retrieval: Retrieval, index: int, score: float, window: str, answerable: bool) -> str:
    """Names the article, not a passage number: a declined answer's text carries the reason,
    where "[n]" would read as a citation."""
    passage = retrieval.passages[index]
    source = f"“{passage.title or passage.doc_id}”"
    quote = window if len(window) <= QUOTED else window[:QUOTED].rsplit(" ", 1)[0] + "…"
    if answerable:
        return f"The reader finds the answer in {source}: “{quote}” ({score:.2f})."
    missing = _missing(retrieval, window)
    lacks = f"; it does not mention {missing}" if missing else ""
    return (
        f"The reader finds no passage that answers this. The closest sentence, in {source}, is "
        f"“{quote}” ({score:.2f}){lacks}."
    )


def _missing(retrieval: Retrieval, window: str) -> str:
    """The question's key terms (retrieval's coverage) the closest window lacks, word stems
    compared as BM25 does ("pages" is in "a 45-page report")."""
    present = {stem for w in _WORD.findall(window) for stem in stems_of(w)}
    absent = [
        c.term
        for c in retrieval.coverage
        if not {stem for w in _WORD.findall(c.term) for stem in stems_of(w)} <= present
    ]
    return ", ".join(f"‘{t}’" for t in absent[:3])
