"""Every sentence of an answer checked against the passages it cites.

A marker [n] that points at a real passage says nothing about whether the sentence says what
the passage says. So each sentence is read on its own: its facts (numbers, with "4.2 million" =
"4,200,000" and "nine" = 9; dates, "Aug. 31" = "31 August"; month names; proper names, a name's
uncommon words enough; words like "always" or "every") must each occur in a passage it cites,
and it must be close in meaning to one sentence of those passages (the embedding model; the
cut-off measured on written sentences with planted errors, `python -m eval.claims`). A sentence
that is a verbatim quote of a cited passage passes at once. The check never rewrites the answer;
RAG_DROP_UNSUPPORTED removes unsupported sentences instead of flagging them.
"""

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from rag.config import ClaimCheck
from rag.corpus.articles import Span
from rag.corpus.chunking import sentence_spans
from rag.embedding.embedder import Embedder
from rag.generation.facts import dates, months, names, novel_words, numbers, sweeping
from rag.generation.recency import day
from rag.generation.tagger import Tagger, Word
from rag.retrieval.retriever import Passage

SIMILAR = 0.55  # cosine from which a sentence is close in meaning to a passage sentence
_MARKER = re.compile(r"\s*\[(\d+)\]")
_DISAGREE = re.compile(r"\s*(?:\[\d+\]\s*)*Sources disagree\s*:?", re.I)
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")
_CLAUSE = re.compile(r"[,;:—–]\s+")
_MONTH_CUT = re.compile(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$")
KNOWN_UNITS = 8192
CLAUSES = 3
MIN_UNIT = 20
NOVEL = 2  # new words of the counted kinds from which a sentence adds to its sources (a name: 1)

Supported = bool | Literal["uncited"]


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer, where it is in the answer, and what its citations make of it."""

    text: str
    start: int
    end: int
    citations: tuple[int, ...]
    supported: Supported
    evidence: dict[str, Any] | None = None  # {doc_id, start, end}: the passage sentence it matches
    problems: tuple[str, ...] = ()
    similarity: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "citations": list(self.citations),
            "supported": self.supported,
            "evidence": self.evidence,
            "problems": list(self.problems),
            "similarity": self.similarity,
        }


def sentences(answer: str) -> list[tuple[int, int]]:
    """The answer's sentences as spans; a marker after a full stop belongs to the sentence before,
    and "Aug. 31" is one date, not two sentences."""
    spans: list[tuple[int, int]] = []
    for s in sentence_spans(answer, Span(0, len(answer))):
        if spans and _MONTH_CUT.search(answer, 0, spans[-1][1]) and answer[s.start].isdigit():
            spans[-1] = (spans[-1][0], s.end)
        else:
            spans.append((s.start, s.end))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        lead = _LEADING_MARKERS.match(answer[start:end])
        if lead and merged:
            merged[-1] = (merged[-1][0], start + lead.end())
            start += lead.end()
            while start < end and answer[start].isspace():
                start += 1
        if start < end:
            merged.append((start, end))
    return merged


class ClaimChecker:
    """Checks answers against their passages with the deployment's embedding model."""

    def __init__(
        self,
        embedder: Embedder,
        tagger: Tagger,
        mode: ClaimCheck,
        threshold: float = SIMILAR,
    ) -> None:
        self.embedder, self.tagger, self.threshold, self.mode = embedder, tagger, threshold, mode
        self._known: OrderedDict[str, np.ndarray] = OrderedDict()  # passage units' vectors
        self._lock = threading.Lock()

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of `texts`; passage sentences come back to be checked answer after answer
        (the same top passages), so the last KNOWN_UNITS are kept rather than embedded again."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        fresh = list(self.embedder.embed_documents(missing)) if missing else []
        with self._lock:
            for text, vector in zip(missing, fresh, strict=True):
                self._known[text] = vector
            found = {t: self._known[t] for t in texts if t in self._known}
            for text in texts:
                if text in self._known:
                    self._known.move_to_end(text)
            while len(self._known) > KNOWN_UNITS:
                self._known.popitem(last=False)
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, 0))

    def check(self, answer: str, passages: Sequence[Passage]) -> tuple[Claim, ...]:
        claims = [
            _reported(s, e, answer[s:e], passages)
            if _DISAGREE.match(answer[s:e])
            else self._facts(s, e, *_parse(answer[s:e], len(passages)), passages)
            for s, e in sentences(answer)
        ]
        return self._meaning(claims, passages)

    def attribute(self, answer: str, passages: Sequence[Passage]) -> str:
        """An answer that cites nothing (small local models often write no [n]) with each
        sentence given the marker of the passage that best supports it, read as if it cited
        them all; a sentence no passage supports stays uncited."""
        if not passages or _MARKER.search(answer):
            return answer
        every = tuple(range(1, len(passages) + 1))
        claims = [
            self._facts(s, e, " ".join(answer[s:e].split()), every, passages)
            for s, e in sentences(answer)
        ]
        parts, cursor = [], 0
        for claim in self._meaning(claims, passages):
            if claim.supported is True and (n := _holding(claim.evidence, passages)):
                parts.append(f"{answer[cursor : claim.end]} [{n}]")
                cursor = claim.end
        return "".join(parts) + answer[cursor:]

    def _facts(
        self, start: int, end: int, text: str, cites: tuple[int, ...], passages: Sequence[Passage]
    ) -> Claim:
        if not cites:
            return Claim(text, start, end, cites, "uncited", problems=("cites no passage",))
        cited = [passages[n - 1] for n in cites]
        if (hit := _verbatim(text, cited)) is not None:
            return Claim(text, start, end, cites, True, hit, similarity=1.0)
        problems = _fact_problems(text, self.tagger.words(text), cited, self.mode)
        return Claim(text, start, end, cites, False, problems=tuple(problems))

    def _meaning(self, claims: list[Claim], passages: Sequence[Passage]) -> tuple[Claim, ...]:
        """Each claim not quoted verbatim against the sentences of the passages it cites."""
        todo = [i for i, c in enumerate(claims) if c.supported is False]
        if not todo:
            return tuple(claims)
        units = {n: _units(passages[n - 1]) for i in todo for n in claims[i].citations}
        texts = [claims[i].text for i in todo] + [u[2] for us in units.values() for u in us]
        vectors = self._vectors(texts)
        by_unit, row = {}, len(todo)
        for n, us in units.items():
            by_unit[n] = (us, vectors[row : row + len(us)])
            row += len(us)
        out = list(claims)
        for k, i in enumerate(todo):
            out[i] = self._judged(claims[i], vectors[k], by_unit, passages)
        return tuple(out)

    def _judged(
        self,
        claim: Claim,
        vector: np.ndarray,
        by_unit: dict[int, tuple[list[tuple[int, int, str]], np.ndarray]],
        passages: Sequence[Passage],
    ) -> Claim:
        best, where = -1.0, None
        for n in claim.citations:
            units, matrix = by_unit[n]
            if not units:
                continue
            scores = matrix @ vector
            j = int(np.argmax(scores))
            if scores[j] > best:
                best, where = float(scores[j]), (passages[n - 1].doc_id, *units[j][:2])
        problems = list(claim.problems)
        if best < self.threshold:
            problems.append(
                f"no sentence of the cited passage says this (closest similarity {best:.2f})"
            )
        evidence = {"doc_id": where[0], "start": where[1], "end": where[2]} if where else None
        return Claim(
            claim.text, claim.start, claim.end, claim.citations, not problems, evidence,
            tuple(problems), round(best, 3),
        )  # fmt: skip


def _parse(sentence: str, count: int) -> tuple[str, tuple[int, ...]]:
    """The sentence without markers, and the passages its markers name (in range, in order)."""
    cites = tuple(dict.fromkeys(int(m) for m in _MARKER.findall(sentence) if 1 <= int(m) <= count))
    return " ".join(_MARKER.sub("", sentence).split()), cites


def _reported(start: int, end: int, raw: str, passages: Sequence[Passage]) -> Claim:
    """A sentence saying that sources disagree ("Sources disagree: Reuters (3 May 2021) reported
    41 dead [2]; AP (4 May 2021) reports 45 [1].") is checked side by side: each part between
    semicolons against the passages its own markers cite, their outlets and publication dates
    counted as what those sources say. Its figures, dates and names must hold there; its wording
    is the report's, not a passage sentence's, so closeness in meaning is not asked."""
    text, cites = _parse(raw, len(passages))
    problems = []
    for part in _DISAGREE.sub("", raw).split(";"):
        said, own = _parse(part, len(passages))
        if not own:
            problems.append(f"“{said}” cites no passage")
            continue
        cited = [passages[n - 1] for n in own]
        source = " ".join(p.text for p in cited) + " " + " ".join(_byline(p) for p in cited)
        there = numbers(source)
        problems += [
            f"'{v}' is not in [{own[0]}]" for k, v in numbers(said).items() if k not in there
        ]
        problems += [f"the date '{d}' is not in [{own[0]}]" for d in dates(said) - dates(source)]
        problems += [
            f"the name '{n}' is not in [{own[0]}]"
            for n, ok in names(said, source).items()
            if not ok
        ]
    return Claim(text, start, end, cites, not problems, problems=tuple(problems))


def _byline(passage: Passage) -> str:
    """What a source says of itself: its outlet and its publication date, written out."""
    return f"{passage.outlet or ''} {day(passage.published) or ''}"


def _holding(evidence: dict[str, Any] | None, passages: Sequence[Passage]) -> int | None:
    """The number of the passage a claim's evidence lies in."""
    if evidence is None:
        return None
    return next(
        (
            n
            for n, p in enumerate(passages, start=1)
            if p.doc_id == evidence["doc_id"] and p.start <= evidence["start"] < p.end
        ),
        None,
    )


def _units(passage: Passage) -> list[tuple[int, int, str]]:
    """A passage's sentences, and runs of up to CLAUSES of their clauses (a claim often restates
    one part of a long sentence), with their offsets in the document."""
    text, units = passage.text, []
    for s in sentence_spans(text, Span(0, len(text))):
        cuts = [s.start, *(m.end() for m in _CLAUSE.finditer(text, s.start, s.end)), s.end]
        for i in range(len(cuts) - 1):
            for j in range(i + 1, min(i + CLAUSES, len(cuts) - 1) + 1):
                start, end = cuts[i], cuts[j]
                piece = text[start:end].strip(" ,;:—–")
                if len(piece) >= MIN_UNIT or (i, j) == (0, len(cuts) - 1):
                    units.append((passage.start + start, passage.start + end, piece))
    return units


def _normal(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("“", '"').replace("”", '"').split()).casefold()


def _verbatim(text: str, cited: Sequence[Passage]) -> dict[str, Any] | None:
    """Where the sentence stands word for word in a cited passage (a quote), if it does: the
    passage sentence or clause run holding it, else the whole passage."""
    needle = _normal(text).rstrip(".")
    for p in cited:
        if not needle or needle not in _normal(p.text):
            continue
        for start, end, unit in _units(p):
            if needle in _normal(unit):
                return {"doc_id": p.doc_id, "start": start, "end": end}
        return {"doc_id": p.doc_id, "start": p.start, "end": p.end}
    return None


def _fact_problems(
    text: str, words: Sequence[Word], cited: Sequence[Passage], check: ClaimCheck
) -> list[str]:
    source = " ".join(p.text for p in cited)
    said, there = numbers(text), numbers(source)
    problems = [f"'{said[n]}' is in no cited passage" for n in said.keys() - there.keys()]
    problems += [f"the date '{d}' is in no cited passage" for d in dates(text) - dates(source)]
    problems += [f"'{m}' is in no cited passage" for m in months(text) - months(source)]
    named = names(text, source)
    problems += [
        f"the name '{n}' is in no cited passage" for n, there in named.items() if not there
    ]
    problems += [f"'{w}' is in no cited passage" for w in sweeping(text) - sweeping(source)]
    known = frozenset(w.casefold() for n, there in named.items() if there for w in n.split())
    new = novel_words(words, source, check, known)
    if len(new) >= NOVEL or any(new.values()):
        problems.append(
            f"says {', '.join(repr(w) for w in list(new)[:4])}, which no cited passage does"
        )
    return problems


def summarise(claims: Sequence[Claim], dropped: int = 0) -> dict[str, int]:
    return {
        "supported": sum(c.supported is True for c in claims),
        "unsupported": sum(c.supported is False for c in claims),
        "uncited": sum(c.supported == "uncited" for c in claims),
        "dropped": dropped,
    }


def without_unsupported(answer: str, claims: Sequence[Claim]) -> tuple[str, tuple[Claim, ...]]:
    """The answer with its unsupported sentences taken out, and the claims that remain."""
    kept: list[Claim] = []
    parts: list[str] = []
    cursor = 0
    for claim in claims:
        if claim.supported is False:
            continue
        piece = answer[claim.start : claim.end]
        start = cursor + (1 if parts else 0)
        kept.append(Claim(claim.text, start, start + len(piece), claim.citations,
                          claim.supported, claim.evidence, claim.problems, claim.similarity))  # fmt: skip
        parts.append(piece)
        cursor = start + len(piece)
    return " ".join(parts), tuple(kept)
