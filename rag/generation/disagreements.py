"""When the passages that answer a question disagree: the sides, by date, for the answer to state.

News changes as it is reported (41 dead on the first day, 45 the next), and quoting the best
passage alone shows a reporter one side with confidence. A side is a passage (syndicated copies
are already one) with a window the reader judges to answer the question; two sides disagree when
they give different values in the same slot: a number counting the same thing (the content word
next to it: "45 people" and "41 people"), an amount of money, a share, or, when the question asks
when, a date or a year. Only windows holding a fact of a slot the question is about are read, so
an answer whose passages hold no such fact costs no reading. Names are not compared: two reports
of one event name different people without disagreeing.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.corpus.articles import Span
from rag.generation.facts import date_spans, number_spans
from rag.generation.recency import day
from rag.retrieval.evidence import asks_for, stems_of
from rag.retrieval.retriever import Passage, Retrieval

READ = 5  # passages compared: the judge's
SIDE = 0.5  # the reader's own probability from which a window answers, for a side to stand on it
NEAR = 3  # words after a number in which its counted word is looked for
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_MONEY = re.compile(r"[$£€¥]\s*$|\b(?:US|USD|EUR|GBP)\s*$")
_CURRENCY = frozenset("dollar dollars pounds pound euros euro yuan yen rupees".split())
_YEAR = re.compile(r"(?:1[6-9]|20)\d\d")

Score = Callable[[str, list[str]], list[float]]  # the reader: P(window answers)
Cut = Callable[[str], list[Span]]  # a passage into the windows the reader reads


@dataclass(frozen=True)
class Side:
    """One report: the passage ([n] in the answer), its source, and the window that says it."""

    citation: int
    doc_id: str
    outlet: str | None
    published: str | None
    quote: str
    start: int  # of the quote, in the document's text view
    end: int
    value: str  # the differing fact as the window writes it
    later: bool = False  # a later report from the outlet of an earlier side: an update

    def as_dict(self) -> dict[str, Any]:
        return vars(self).copy()


@dataclass(frozen=True)
class Disagreement:
    about: str  # what the sides differ on: what is counted ("people"), "amount", "share", "year", "date"
    sides: tuple[Side, ...]  # by publication date, undated last

    def as_dict(self) -> dict[str, Any]:
        return {"about": self.about, "sides": [s.as_dict() for s in self.sides]}

    def sentence(self) -> str:
        """ "Sources disagree: Reuters (3 May 2021) reported “41 dead” [1]; AP (4 May 2021)
        reports “45 dead” [2]." The newest side reports, the earlier ones reported."""
        told = []
        for n, side in enumerate(self.sides):
            verb = "reports" if n == len(self.sides) - 1 else "reported"
            name = side.outlet or side.doc_id
            when = day(side.published) or "undated"
            update = ", a later report" if side.later else ""
            told.append(f"{name} ({when}{update}) {verb} “{side.value}” [{side.citation}]")
        return "Sources disagree: " + "; ".join(told) + "."


@dataclass(frozen=True)
class _Fact:
    slot: str  # what is counted, as a stem ("peopl"), or "amount", "share", "year", "date"
    value: str  # canonical ("41" for "forty-one")
    written: str  # as the window writes it, with what it counts ("41 people")
    noun: str  # the slot as a word ("people")


def facts(question: str, text: str) -> list[_Fact]:
    """The facts of `text` in the slots `question` is about (values it does not itself give): a
    number whose counted word, or a word just after it, is the question's ("How many were
    killed?": "45 people were killed"), an amount or share when it asks for one, a year or a
    date when it asks when. Of several in one slot, those with most of the question's words
    around them ("$19 billion acquisition of WhatsApp", not "$1 billion buyout of Instagram")."""
    kind = asks_for(question)
    asked = {stem for w in _WORD.findall(question.lower()) for stem in stems_of(w)}
    given = {value for value, _, _ in number_spans(question)}
    found: list[tuple[_Fact, int]] = []
    for value, start, end in number_spans(text):
        fact, near = _counted(text, value, start, end)
        wanted = (
            bool(near & asked)
            or (kind == "money" and fact.slot == "amount")
            or (kind == "share" and fact.slot == "share")
            or (kind == "date" and fact.slot == "year")
        )
        if wanted and value not in given:
            found.append((fact, _focus(text, start, end, asked)))
    if kind == "date":
        found += [
            (_Fact("date", v, text[s:e], "date"), _focus(text, s, e, asked))
            for v, s, e in date_spans(text)
        ]
    most = {slot: max(n for f, n in found if f.slot == slot) for slot in {f.slot for f, _ in found}}
    return [fact for fact, n in found if n == most[fact.slot]]


def _focus(text: str, start: int, end: int, asked: set[str]) -> int:
    """How many of the question's word stems stand just around a fact (3 words before, 5 after)."""
    around = _WORD.findall(text[max(0, start - 40) : start].lower())[-3:]
    around += _WORD.findall(text[end : end + 60].lower())[:5]
    return len(asked & {stem for w in around for stem in stems_of(w)})


def _counted(text: str, value: str, start: int, end: int) -> tuple[_Fact, set[str]]:
    """The number as a fact of its slot (what it counts), and the stems of the words after it."""
    after = list(_WORD.finditer(text, end, min(len(text), end + 80)))[:NEAR]
    near = {stem for m in after for stem in stems_of(m.group().lower())}
    if _MONEY.search(text[max(0, start - 4) : start]) or (
        after and after[0].group().lower() in _CURRENCY
    ):
        money = max(0, start - 1) if _MONEY.search(text[max(0, start - 4) : start]) else start
        return _Fact("amount", value, text[money:end].strip(), "amount"), near
    if value.endswith("%"):
        return _Fact("share", value, text[start:end], "share"), near
    if _YEAR.fullmatch(text[start:end]):
        return _Fact("year", value, text[start:end], "year"), near
    counts = next((m for m in after if stems_of(m.group().lower())), None)
    if counts is None:
        return _Fact("number", value, text[start:end], "number"), near
    slot = min(stems_of(counts.group().lower()))
    return _Fact(slot, value, text[start : counts.end()], counts.group().lower()), near


def holding_facts(retrieval: Retrieval, cut: Cut) -> list[tuple[int, str, int, list[_Fact]]]:
    """The windows of the first READ passages that hold facts of the question's slots: (passage
    index, text, offset in the passage, facts)."""
    out = []
    for i, passage in enumerate(retrieval.passages[:READ]):
        for span in cut(passage.text):
            text = passage.text[span.start : span.end]
            if found := facts(retrieval.reading, text):
                out.append((i, text, span.start, found))
    return out


def find(retrieval: Retrieval, score: Score, cut: Cut) -> list[Disagreement]:
    """The slots on which answering passages among the first READ give values that share
    nothing (a passage's values in a slot: those of its best answering window). Passages of
    one document are not two sources: an article giving several figures disagrees with none."""
    question = retrieval.reading
    candidates = holding_facts(retrieval, cut)
    documents = {retrieval.passages[i].doc_id for i, *_ in candidates}
    if len(documents) < 2:
        return []
    scores = score(question, [text for _, text, _, _ in candidates])
    said: dict[str, dict[int, tuple[float, str, int, list[_Fact]]]] = {}
    for (i, text, offset, found), p in zip(candidates, scores, strict=True):
        if p < SIDE:
            continue
        for slot in {f.slot for f in found}:
            best = said.setdefault(slot, {}).get(i)
            if best is None or p > best[0]:
                said[slot][i] = (p, text, offset, [f for f in found if f.slot == slot])
    out = []
    for by_passage in said.values():
        groups: dict[frozenset[str], int] = {}
        for i in sorted(by_passage):
            groups.setdefault(frozenset(f.value for f in by_passage[i][3]), i)
        apart = [i for values, i in groups.items() if any(not values & other for other in groups)]
        if len({retrieval.passages[i].doc_id for i in apart}) > 1:
            chosen = {i: by_passage[i] for i in apart}
            out.append(_disagreement(retrieval.passages, chosen))
    return out


def _disagreement(
    passages: Sequence[Passage], chosen: dict[int, tuple[float, str, int, list[_Fact]]]
) -> Disagreement:
    sides = []
    for i, (_, text, offset, found) in chosen.items():
        p, start = passages[i], passages[i].start + offset
        value = " and ".join(dict.fromkeys(f.written for f in found))
        sides.append(
            Side(p.rank, p.doc_id, p.outlet, p.published, text, start, start + len(text), value)
        )
    sides.sort(key=lambda s: (s.published is None, s.published or "", s.citation))
    seen: set[tuple[str, str]] = set()
    labelled = []
    for side in sides:
        later = any(side.outlet == o and side.published[:10] > d for o, d in seen if side.published)
        labelled.append(Side(**{**side.as_dict(), "later": later}))
        if side.outlet and side.published:
            seen.add((side.outlet, side.published[:10]))
    first = next(iter(chosen.values()))[3][0]
    return Disagreement(first.noun, tuple(labelled))
