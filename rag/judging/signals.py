"""The word-signal judge: retrieval's own evidence and fitted abstention model, at no extra cost."""

from rag.config import Settings
from rag.judging.base import GeneratorFactory, Verdict
from rag.retrieval.retriever import Retrieval


class SignalsJudge:
    """Keeps the decision and order retrieval made from the question's names, numbers and
    windows (rag.retrieval.evidence); the judge the others are measured against."""

    name = "signals"

    def __init__(self, settings: Settings, generator: GeneratorFactory | None = None) -> None:
        self.settings = settings

    def judge(self, retrieval: Retrieval) -> Verdict:
        return Verdict(self.name, retrieval.answerable)
