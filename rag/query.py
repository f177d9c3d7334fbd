"""The shared words at the bottom of the stack: a question and its options (`Query`), what it may
be narrowed to (`Filters`), the search modes and the limits, each defined once and used by the
settings, the CLI, the HTTP schemas and the library alike. Imports nothing of rag but errors."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from rag.errors import InvalidQueryError

SearchMode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[SearchMode, ...] = get_args(SearchMode)
MAX_TOP_K = 50
RECORD = "#"  # a record of a multi-record file (feed, JSONL dump) is FILE#ID


def file_of(doc_id: str) -> str:
    """The corpus file a document comes from (a record's `FILE#ID` names FILE)."""
    return doc_id.split(RECORD, 1)[0]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_question(question: str, max_chars: int) -> str:
    """Normalise a question or say why it cannot be asked."""
    text = question.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    text = _CONTROL.sub(" ", text).strip()
    if not text:
        raise InvalidQueryError(
            "question is blank: ask something, e.g. 'Who is Michelle Bachelet?'"
        )
    if len(text) > max_chars:
        raise InvalidQueryError(
            f"question is {len(text)} characters long; the limit is {max_chars} (RAG_MAX_QUESTION_CHARS)"
        )
    return text


def check_top_k(top_k: int) -> int:
    """Refuse a passage count outside 1..50, naming the bad value."""
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidQueryError(
            f"top_k must be between 1 and {MAX_TOP_K}. Currently, top_k is {top_k}"
        )
    return top_k


@dataclass(frozen=True)
class Filters:
    """What a question is narrowed to; an empty field does not narrow. A range whose start is
    after its end matches nothing, and the notice says to swap them (a request the HTTP schema
    allows is answered, not refused)."""

    doc_ids: tuple[str, ...] = ()
    published_from: date | None = None
    published_to: date | None = None
    outlets: tuple[str, ...] = ()

    @property
    def reversed(self) -> bool:
        return bool(
            self.published_from and self.published_to and self.published_from > self.published_to
        )

    def __bool__(self) -> bool:
        return bool(self.doc_ids or self.published_from or self.published_to or self.outlets)


@dataclass(frozen=True)
class Query:
    """One question with its options, the unit that concurrent callers batch together."""

    question: str
    top_k: int
    mode: SearchMode
    filters: Filters = Filters()
    judged_as: str | None = None  # what the passages must hold, when not all of `question`
