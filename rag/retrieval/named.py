"""Names in a question that the sources' metadata answers rather than their text.

"Which console did Engadget review?" asks for Engadget's own article, whose text need not say
"Engadget": the outlet, author and publication year are the passage's metadata. Such terms are
taken out of the question before its words are looked for in the passages (they count as found),
so a question is not declined for naming the outlet it is about.
"""

from collections.abc import Sequence
from typing import Protocol

from rag.retrieval.evidence import Term, key_terms, locate, occurrences


class Described(Protocol):
    """A passage's metadata as this check needs it."""

    @property
    def outlet(self) -> str | None: ...
    @property
    def author(self) -> str | None: ...
    @property
    def published(self) -> str | None: ...


def named_in_metadata(question: str, sources: Sequence[Described]) -> tuple[Term, ...]:
    """The question's terms that name one of the sources' outlet, author or year."""
    return tuple(t for t in key_terms(question) if any(_names(t, s) for s in sources))


def without(question: str, terms: Sequence[Term]) -> str:
    """The question with every occurrence of the terms removed."""
    for term in terms:
        for start, end in reversed(occurrences(term, question)):
            question = question[:start] + question[end:]
    return " ".join(question.split())


def _names(term: Term, source: Described) -> bool:
    if term.kind == "number":
        return bool(source.published) and term.text == (source.published or "")[:4]
    fields = " | ".join(x for x in (source.outlet, source.author) if x)
    return bool(fields) and locate(term, fields) is not None
