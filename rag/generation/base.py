"""The Generator seam: numbered passages in, an answer citing them as [n] out."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rag.retrieval.retriever import Passage


class Generator(Protocol):
    """Writes a short answer from passages, citing them as [1], [2], ... in the order given.

    gen = registry.resolve("generator", "openai")(settings, embedder)   # embedder: optional help
    draft = gen.generate("Who ...?", passages)   # draft.text cites [n]
    for piece in gen.stream("Who ...?", passages): print(piece, end="")   # str pieces; a Quote
                                        # (extractive backends) says where the next piece comes from
    A backend that needs configuration raises UnknownComponentError from its constructor
    saying which setting to set; backends raise GeneratorError when the model fails, times out or answers nonsense.
    """

    name: str
    model: str | None  # what it runs, for `rag generators` and GET /generators; None: no model

    def generate(self, question: str, passages: Sequence[Passage]) -> "Draft": ...

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator["str | Quote"]: ...


@runtime_checkable
class ChatModel(Protocol):
    """A generator that is a language model can also be asked other things in a strict format
    (is this answered? what does this follow-up stand for?); it raises GeneratorError on failure."""

    def chat(self, messages: list[dict[str, str]], max_tokens: int) -> str: ...


@dataclass(frozen=True)
class Quote:
    """A sentence lifted verbatim from a cited passage, with its exact place in the file."""

    citation: int
    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Draft:
    """What a generator wrote; extractive backends also say exactly where each sentence came from."""

    text: str
    quotes: tuple[Quote, ...] = ()
