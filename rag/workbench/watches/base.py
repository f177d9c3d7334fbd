"""What a watched question keeps: its last answer in brief, and the changes since it was saved.

Stored as JSON (pydantic) beside the index, so a restart, another process or a Milvus replica
reads the same watches; a store serialises read-modify-write where it can (see WatchStore).
"""

from contextlib import AbstractContextManager
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from rag.generation.answering import Answer
from rag.query import Filters

MAX_HISTORY = 20  # changes kept per watch, newest last
MAX_ANSWER_CHARS = 2000


class Cited(BaseModel):
    """An article an answer cites, as the reader needs it in a diff."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None


class Snapshot(BaseModel):
    """A watched question's answer at one index generation."""

    model_config = ConfigDict(frozen=True)

    generation: str
    checked_at: str
    answerable: bool
    support: str
    answer: str
    cited: tuple[Cited, ...] = ()

    @classmethod
    def of(cls, answer: Answer, generation: str, at: str) -> "Snapshot":
        passages = answer.citations.passages
        cited = dict.fromkeys(passages[n - 1].doc_id for n in answer.cited)
        by_id = {p.doc_id: p for p in passages}
        return cls(
            generation=generation,
            checked_at=at,
            answerable=answer.answerable,
            support=answer.citations.support,
            answer=answer.answer[:MAX_ANSWER_CHARS],
            cited=tuple(
                Cited(
                    doc_id=d,
                    title=by_id[d].title,
                    outlet=by_id[d].outlet,
                    published=by_id[d].published,
                )
                for d in cited
            ),
        )

    def differs(self, other: "Snapshot") -> bool:
        """True when the answerable flag, the cited articles or the answer's words moved."""
        return (
            self.answerable != other.answerable
            or {c.doc_id for c in self.cited} != {c.doc_id for c in other.cited}
            or " ".join(self.answer.split()) != " ".join(other.answer.split())
        )


class Change(BaseModel):
    """One moved answer: before and after, and what it means in words."""

    model_config = ConfigDict(frozen=True)

    before: Snapshot
    after: Snapshot
    summary: str


class Watch(BaseModel):
    """A saved question with its filters, its last answer and its changes."""

    model_config = ConfigDict(frozen=True)

    id: str
    question: str
    filters: Filters = Field(default_factory=Filters)
    created_at: str
    last: Snapshot
    history: tuple[Change, ...] = ()


class WatchStore(Protocol):
    """Where watches live: beside a folder index, or in Milvus with the index."""

    def all(self) -> list[Watch]: ...

    def get(self, watch_id: str) -> Watch | None: ...

    def put(self, watch: Watch) -> None: ...

    def delete(self, watch_id: str) -> bool: ...

    def locked(self) -> AbstractContextManager[None]:
        """Held around a read-modify-write, so two processes never record one change twice."""
        ...
