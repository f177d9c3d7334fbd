"""The facade the CLI, the HTTP API and the eval all call: build, query, answer, describe."""

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rag import registry
from rag.answering import Answer, answer, stream_answer
from rag.batching import MicroBatcher
from rag.config import SearchMode, Settings
from rag.documents import load_corpus
from rag.embedding import Embedder
from rag.errors import InvalidQueryError, UnknownComponentError
from rag.generation.base import Generator
from rag.index import DocumentInfo, LoadedIndex, build_index, index_exists, load_index
from rag.retrieval import Query, Retrieval, Retriever

MAX_TOP_K = 50
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


class RagService:
    """Owns the embedder, the loaded index and the query batcher of one deployment."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._index: LoadedIndex | None = None
        self._retriever: Retriever | None = None
        self._batcher: MicroBatcher[Query, Retrieval] | None = None
        self._generators: dict[str, Generator] = {}

    def derive(self, **updates: Any) -> "RagService":
        """A service with some settings changed that shares this one's loaded model and index."""
        other = RagService(self.settings.model_copy(update=updates))
        other._embedder, other._index = self._embedder, self._index
        return other

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = registry.resolve("embedder", self.settings.embedder)(self.settings)
        return self._embedder

    @property
    def index(self) -> LoadedIndex:
        if self._index is None:
            self.open()
        assert self._index is not None
        return self._index

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.index, self.embedder, self.settings)
        return self._retriever

    def build(self, corpus_dir: Path | None = None, progress: bool = True) -> dict[str, Any]:
        """(Re)build the index from a corpus folder and serve from it afterwards."""
        root = Path(corpus_dir or self.settings.corpus_dir)
        corpus = load_corpus(root)
        manifest = build_index(
            corpus.documents,
            root,
            self.settings.index_dir,
            self.settings,
            self.embedder,
            skipped=corpus.skipped,
            progress=progress,
        )
        self._index = self._retriever = None
        return manifest

    def has_index(self) -> bool:
        """True when the configured index folder holds a finished index."""
        return index_exists(self.settings.index_dir)

    def open(self, build_if_missing: bool = False, progress: bool = True) -> None:
        """Load the index (building it over the configured corpus first when asked and there is none)."""
        if build_if_missing and not self.has_index():
            self.build(progress=progress)
        self._index = load_index(self.settings.index_dir, self.settings, self.embedder)
        self._retriever = None

    def start_batching(self) -> None:
        """Let concurrent query() calls share model passes (used by the HTTP server)."""
        if self._batcher is None:
            self._batcher = MicroBatcher(
                self.retriever.search, self.settings.max_batch, self.settings.batch_wait_ms / 1e3
            )

    def close(self) -> None:
        if self._batcher is not None:
            self._batcher.close()
            self._batcher = None

    def make_query(
        self, question: str, top_k: int | None = None, mode: SearchMode | None = None
    ) -> Query:
        """Validate the user's input into a Query."""
        return Query(
            clean_question(question, self.settings.max_question_chars),
            check_top_k(self.settings.top_k if top_k is None else top_k),
            mode or self.settings.mode,
        )

    def query(
        self, question: str, top_k: int | None = None, mode: SearchMode | None = None
    ) -> Retrieval:
        """Rank passages for one question."""
        query = self.make_query(question, top_k, mode)
        if self._batcher is not None:
            return self._batcher.submit(query)
        return self.retriever.search([query])[0]

    def query_many(
        self, questions: Sequence[str], top_k: int | None = None, mode: SearchMode | None = None
    ) -> list[Retrieval]:
        """Rank passages for many questions, in batches (used by the eval)."""
        queries = [self.make_query(q, top_k, mode) for q in questions]
        size = self.settings.max_batch
        return [
            r
            for i in range(0, len(queries), size)
            for r in self.retriever.search(queries[i : i + size])
        ]

    def generator(self, name: str | None = None) -> Generator:
        """The named (or default) generator, built once; an unknown or unconfigured one says why."""
        name = name or self.settings.generator
        if name not in self._generators:
            if name not in registry.names("generator"):
                available = ", ".join(g["name"] for g in self.generators() if g["available"])
                raise UnknownComponentError(
                    f"Unknown generator {name!r}: available are {available}"
                )
            self._generators[name] = registry.resolve("generator", name)(
                self.settings, self.embedder
            )
        return self._generators[name]

    def generators(self) -> list[dict[str, Any]]:
        """Every registered generator, whether it is configured here, and if not, why."""
        listed = []
        for name in registry.names("generator"):
            try:
                self.generator(name)
                listed.append(
                    {"name": name, "available": True, "default": name == self.settings.generator}
                )
            except UnknownComponentError as exc:
                listed.append(
                    {"name": name, "available": False, "reason": str(exc), "default": False}
                )
        return listed

    def answer(
        self,
        question: str,
        top_k: int | None = None,
        generator: str | None = None,
        mode: SearchMode | None = None,
    ) -> Answer:
        """Retrieve, then write an answer that cites the passages (or say the articles do not cover it)."""
        gen = self.generator(generator)
        return answer(self.query(question, top_k, mode), gen)

    def stream_answer(
        self,
        question: str,
        top_k: int | None = None,
        generator: str | None = None,
        mode: SearchMode | None = None,
    ) -> Iterator[str | Answer]:
        """Like answer(), as pieces of text followed by the final Answer. Errors surface before streaming."""
        gen = self.generator(generator)
        return stream_answer(self.query(question, top_k, mode), gen)

    def documents(self) -> list[DocumentInfo]:
        return list(self.index.documents)

    def stats(self) -> dict[str, Any]:
        counts = self.index.manifest["counts"]
        return {
            "chunks": counts["chunks"],
            "documents": counts["documents"],
            "model": self.settings.model,
        }
