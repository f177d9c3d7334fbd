"""The reason shown with every answer and decline: which of the question's names, numbers and key
words the closest passages hold, where, and what is missing, in words a reader can check."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from rag.retrieval.evidence import Evidence, Term

Support = Literal["well supported", "partly supported", "not covered"]
SUPPORT: tuple[Support, ...] = ("well supported", "partly supported", "not covered")
_ASKED = {  # "... but no sentence there gives {}"
    "number": "the number asked for",
    "count": "a count",
    "age": "an age",
    "money": "a sum of money",
    "duration": "a length of time",
    "measure": "a measurement",
    "share": "a share",
    "date": "a date",
    "name": "a name",
}


@dataclass(frozen=True)
class Coverage:
    """One key term of the question: found or not, and where (file offsets) when found."""

    term: str
    kind: str
    found: bool
    where: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {"term": self.term, "kind": self.kind, "found": self.found, "where": self.where}


class Located(Protocol):
    """A passage as coverage needs it: its document, title and where its text starts."""

    @property
    def doc_id(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def start(self) -> int: ...


def coverage(evidence: Evidence, passages: Sequence[Located]) -> tuple[Coverage, ...]:
    """Each term with the place (doc_id, title, start, end in the file) it was found."""
    out = []
    for term, place in zip(evidence.terms, evidence.found, strict=True):
        where = None
        if place is not None and place.passage < len(passages):
            p = passages[place.passage]
            where = {
                "doc_id": p.doc_id,
                "title": p.title,
                "start": p.start + place.start,
                "end": p.start + place.end,
            }
        out.append(Coverage(term.text, term.kind, where is not None, where))
    return tuple(out)


def support(evidence: Evidence, answerable: bool) -> Support:
    """Confidence in words: all key terms in one window with what is asked for, or less."""
    if not answerable:
        return "not covered"
    whole = evidence.window_share >= 0.999 and evidence.answer_in_window
    return "well supported" if whole else "partly supported"


def reason(evidence: Evidence, answerable: bool, titles: Sequence[str | None]) -> str:
    """One sentence: what the closest passages hold of the question, and what they lack."""
    if not evidence.terms:
        return "The question names nothing specific to look for; judged by closeness of meaning."
    missing = evidence.missing
    found = [t for t in evidence.terms if t not in missing]
    window = evidence.window
    title = titles[window.passage] if window and window.passage < len(titles) else None
    source = f" in “{title}”" if title else ""
    strict = [t for t in missing if t.kind != "word"]
    if answerable:
        lacking = f"; no passage mentions {_listed(missing, 'or')}" if missing else ""
        return f"Found {_listed(found, 'and')}{source}{lacking}."
    if strict or not found:
        lack = f"no passage close to the question mentions {_listed(strict or missing, 'or')}"
        return (
            f"Found {_listed(found, 'and')}, but {lack}."
            if found
            else f"{lack[0].upper()}{lack[1:]}."
        )
    if evidence.window_share < 0.999:
        if missing:
            return f"Found {_listed(found, 'and')}, but not {_listed(missing, 'or')}."
        return f"Found {_listed(found, 'and')}, but never together in one passage."
    if not evidence.answer_in_window:
        asked = _ASKED.get(evidence.asks or "", "the answer")
        return (
            f"Found {_listed(found, 'and')} together{source}, but no sentence there gives {asked}."
        )
    return f"Found {_listed(found, 'and')} together{source}, but too weakly to answer from it."


def _listed(terms: Sequence[Term], joiner: str) -> str:
    names = [f"‘{t.text}’" for t in terms[:6]]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {joiner} {names[-1]}"
