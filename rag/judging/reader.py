"""The default judge: the bundled reader reads the question with each top passage's windows.

Word signals cannot tell a passage that answers from one that only discusses the same event
(the year, the place or the figure asked about is the one thing missing); a cross-encoder that
reads question and window together can. Each of the first JUDGED passages is cut into sentence
windows (rag.judging.windows, as in training), the windows are scored most promising first until
the decision is made, and a passage counts by its best window read. The question is answered when the best window's probability, mixed with the
word-signal model's where the manifest holds a combiner, reaches the manifest's operating point;
both were chosen on tuning data only (eval/reader).
"""

import re
from collections.abc import Callable

from rag.config import Settings
from rag.generation.disagreements import SIDE, Disagreement, find
from rag.generation.recency import asks_now
from rag.judging.base import GeneratorFactory, Verdict
from rag.judging.reading import Reader, reader
from rag.judging.windows import windows
from rag.retrieval.abstention import AbstentionModel
from rag.retrieval.evidence import rarity, stems_of
from rag.retrieval.retriever import Retrieval

JUDGED = 5
QUOTED = 160
FIRST_READ, LAST_READ = 4, 16  # windows read before the first look at the best score; then
# twice as many before each next look, at most LAST_READ
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
        manifest = self.model.manifest
        signals = self.abstention.confidence(retrieval.signals) if retrieval.signals else None

        def answers(score: float) -> bool:
            return manifest.decide(score, signals) >= manifest.threshold

        now = asks_now(retrieval.reading)  # every passage read, to put the newest answer first
        best = best_windows(self.model, retrieval, enough=None if now else answers)
        if not best:
            return Verdict(self.name, False, reason="No passage to read.")
        order = tuple(sorted(best, key=lambda i: -best[i][0]))
        score, window = best[order[0]]
        answerable = answers(score)
        reason = _reason(retrieval, order[0], score, window, answerable)
        if now:
            return Verdict(self.name, answerable, _newest_first(retrieval, order, best), reason)
        return Verdict(self.name, answerable, order if manifest.reorder else (), reason)


def _newest_first(
    retrieval: Retrieval, order: tuple[int, ...], best: dict[int, tuple[float, str]]
) -> tuple[int, ...]:
    """For a question about now: the passages whose best window answers by the reader's own
    probability (SIDE), newest first (undated last), then the others as the reader ordered them;
    older reports stay, below."""
    answering = [i for i in order if best[i][0] >= SIDE]
    dated = sorted(answering, key=lambda i: retrieval.passages[i].published or "", reverse=True)
    return (*dated, *(i for i in order if i not in answering))


def disagreements(retrieval: Retrieval) -> list[Disagreement]:
    """Where the answering passages disagree (rag.generation.disagreements), read by the
    bundled reader, whichever judge decided to answer."""
    return find(retrieval, reader().scores, windows)


def best_windows(
    model: Reader, retrieval: Retrieval, enough: Callable[[float], bool] | None = None
) -> dict[int, tuple[float, str]]:
    """For each of the first JUDGED passages (by index) read, its best window's score and text.

    With `enough`, windows are read most promising first (sharing the question's rarest words),
    FIRST_READ, then twice as many before each look, until the best score so far is enough: the
    judge's decision rises with the score and a window scores the same whatever is read beside
    it, so it decides what reading every window would, while most answerable questions of the
    tuning sets stop after the first look (4 windows of some forty; evidence@1 on them as with
    all forty, 115 of 148). Without it, every window is read."""
    head = retrieval.passages[:JUDGED]
    flat = [(i, p.text[s.start : s.end]) for i, p in enumerate(head) for s in windows(p.text)]
    if enough is not None:
        flat = _promising_first(retrieval.reading, flat)
    step = FIRST_READ if enough is not None else max(1, len(flat))
    best: dict[int, tuple[float, str]] = {}
    start = 0
    while start < len(flat):
        part = flat[start : start + step]
        start, step = start + step, min(2 * step, LAST_READ)
        for (i, text), score in zip(
            part, model.scores(retrieval.reading, [t for _, t in part]), strict=True
        ):
            if score > best.get(i, (-1.0, ""))[0]:
                best[i] = (score, text)
        if enough is not None and enough(max(score for score, _ in best.values())):
            break
    return best


def _promising_first(question: str, flat: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Windows by the summed rarity of the question's word stems they contain (ties: in order)."""
    weights: dict[str, float] = {}
    for word in _WORD.findall(question.lower()):
        for stem in stems_of(word):
            weights[stem] = max(weights.get(stem, 0.0), rarity(word))

    def shared(window: str) -> float:
        present = {stem for w in _WORD.findall(window.lower()) for stem in stems_of(w)}
        return sum(weight for stem, weight in weights.items() if stem in present)

    promise = {n: shared(text) for n, (_, text) in enumerate(flat)}
    return [flat[n] for n in sorted(promise, key=lambda n: (-promise[n], n))]


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
