"""The facade the CLI, the HTTP API and the eval all call: build, query, answer, describe."""

import asyncio
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag import registry
from rag.answering import Answer, answer, stream_answer
from rag.config import SearchMode, Settings
from rag.documents import Corpus, check_upload, corpus_path, load_corpus
from rag.embedding import Embedder
from rag.errors import (
    ConflictError,
    DocumentNotFoundError,
    InvalidDocumentError,
    RagError,
    StaleDocumentError,
    UnknownComponentError,
)
from rag.filters import Filters
from rag.generation.base import Generator
from rag.index import DocumentInfo, LoadedIndex, UpdateReport
from rag.index.home import IndexHome, home_for
from rag.memory import release_freed_memory
from rag.questions import check_top_k, clean_question
from rag.reloading import CorpusWatcher, Repeater
from rag.retrieval import Query, Retrieval, Retriever
from rag.serving import QueryRunner
from rag.uploads import EXCLUSIONS, CorpusWrites, Exclusions, WriteResult, statuses


@dataclass(frozen=True)
class _Loaded:
    """One generation and its retriever, swapped in together so a request sees one or the other."""

    index: LoadedIndex
    retriever: Retriever


class RagService:
    """Owns the embedder, the loaded index and the query batcher of one deployment."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._loaded: _Loaded | None = None
        self._swap_lock = threading.Lock()
        self._runner: QueryRunner | None = None
        self._background: list[Repeater | CorpusWatcher] = []
        self.problem: str | None = None  # why the index on disk cannot be loaded, while serving
        self._generators: dict[str, Generator] = {}
        self.home: IndexHome = home_for(settings, lambda: self.embedder)

    def derive(self, **updates: Any) -> "RagService":
        """A service with some settings changed that shares this one's loaded model and index."""
        other = RagService(self.settings.model_copy(update=updates))
        other._embedder = self._embedder
        if self._loaded is not None and other.home.label == self.home.label:
            other._set(self._loaded.index)
        return other

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = registry.resolve("embedder", self.settings.embedder)(self.settings)
        return self._embedder

    @property
    def index(self) -> LoadedIndex:
        return self._current().index

    @property
    def retriever(self) -> Retriever:
        return self._current().retriever

    def _current(self) -> _Loaded:
        if self._loaded is None:
            self.open()
        assert self._loaded is not None
        return self._loaded

    def has_index(self) -> bool:
        """True when the configured index folder (or Milvus) holds a finished index."""
        return self.home.exists()

    def update(
        self, corpus_dir: Path | None = None, full: bool = False, progress: bool = True
    ) -> UpdateReport:
        """Bring the index up to date with a corpus folder (only what changed is embedded)."""
        root = Path(corpus_dir or self.settings.corpus_dir)
        return self._update(lambda: self._read_corpus(root), full=full, progress=progress)

    def _read_corpus(self, root: Path) -> Corpus:
        """The corpus folder, less the files removed from the archive, plus the uploads."""
        s = self.settings
        if self.home.delta:  # uploads and removals live in the index itself
            return load_corpus(root, s.max_file_bytes, max_records=s.max_records)
        return load_corpus(
            root, s.max_file_bytes, s.uploads_folder, self.exclusions.ids(), s.max_records
        )

    @property
    def exclusions(self) -> Exclusions:
        return Exclusions(self.settings.index_dir / EXCLUSIONS)

    def _update(
        self,
        read_corpus: Callable[[], Corpus],
        full: bool = False,
        progress: bool = False,
        only: bool = False,
        drop: Sequence[str] = (),
    ) -> UpdateReport:
        report = self.home.update(read_corpus, full, progress, only, drop)
        if self._loaded is not None:
            self.refresh()
        return report

    def open(self, build_if_missing: bool = False, progress: bool = True) -> None:
        """Load the index (building it over the configured corpus first when asked and there is none)."""
        if build_if_missing and not self.has_index():
            self.update(progress=progress)
        self._set(self.home.load())

    def refresh(self) -> bool:
        """Load a newer generation when the index folder has one; True when it did.

        A generation that cannot be loaded (damaged, mismatched) leaves the one in memory
        serving and is reported by `problem` (and so by /health) until a good one appears.
        """
        generation = self.home.current()
        if generation is None or not self._newer(generation):
            return False
        try:
            loaded = self._set(self.home.load())
        except (RagError, OSError) as exc:
            self.problem = f"{exc} (still serving {self.index.generation} from memory)"
            return False
        self.problem = None
        return loaded

    def check(self) -> dict[str, Any]:
        """Verify the index on disk (see rag.index.check_index); changes nothing."""
        return self.home.check()

    def _set(self, index: LoadedIndex) -> bool:
        with self._swap_lock:
            published = self.home.current()
            if published is not None and published != index.generation:
                return False  # a newer one was published while this one loaded
            if not self._newer(index.generation):
                return False  # another thread already loaded this one
            self._loaded = _Loaded(index, Retriever(index, self.embedder, self.settings))
        release_freed_memory()
        return True

    def _newer(self, generation: str) -> bool:
        """True unless the loaded index is already this generation."""
        return self._loaded is None or generation != self._loaded.index.generation

    def watch(self, corpus: bool = False) -> None:
        """Pick up new generations written by any process; with `corpus`, re-index on file edits."""
        self._background.append(
            Repeater(self.refresh, self.settings.reload_interval_s, "index-reloader")
        )
        if corpus:
            root = self.index.corpus_root
            self._background.append(CorpusWatcher(root, lambda: self.update(root, progress=False)))

    @property
    def corpus_root(self) -> Path:
        """The folder documents live in: the loaded index's, else the configured one."""
        return (
            self.index.corpus_root if self._loaded or self.has_index() else self.settings.corpus_dir
        )

    def add(self, files: Sequence[tuple[str, bytes]]) -> WriteResult:
        """Write documents into the corpus folder and index them before returning.

        Every id and body is checked first, so a bad one changes nothing; a failed update puts
        the corpus files back as they were.
        """
        root = self.corpus_root
        ids = [doc_id for doc_id, _ in files]
        if len(set(ids)) != len(ids):
            raise InvalidDocumentError("the same doc_id appears twice in one request")
        planned = [(self._upload_path(root, i), data) for i, data in files]
        documents = [
            doc
            for (doc_id, data), (path, _) in zip(files, planned, strict=True)
            for doc in check_upload(doc_id, path, data, self.settings.max_records)
        ]
        if self.home.delta:  # the index is the archive: nothing is written to a local folder
            uploaded = set(ids)
            replaced = [d.doc_id for d in self.index.documents if d.file in uploaded]
            report = self._update(
                lambda: Corpus(root, tuple(documents), ()), only=True, drop=replaced
            )
        else:
            writes = CorpusWrites()

            def write_then_read() -> Corpus:
                for path, data in planned:
                    writes.put(path, data)
                return self._read_corpus(root)

            report = self._guarded(writes, write_then_read)
            try:
                return WriteResult(tuple(s for i in ids for s in statuses(i, report)), report)
            except InvalidDocumentError:  # indexing skipped it (too big, too slow): not kept
                writes.rollback()
                self._update(lambda: self._read_corpus(root))
                raise
        return WriteResult(tuple(s for doc_id in ids for s in statuses(doc_id, report)), report)

    def _upload_path(self, root: Path, doc_id: str) -> Path:
        """Where an upload is kept; a name the user's corpus folder already has is refused."""
        mine = corpus_path(root, doc_id)
        if self.home.delta:
            return mine
        if mine.exists():
            raise ConflictError(
                f"{doc_id[:120]!r} is a file in the corpus folder {str(root)!r}, which the service "
                "never overwrites: upload it under another name (uploads are kept in "
                f"{str(self.settings.uploads_folder)!r}), or edit the file itself"
            )
        return corpus_path(self.settings.uploads_folder, doc_id)

    def delete(self, doc_id: str) -> UpdateReport:
        """Remove a document from the index: an uploaded file is deleted, a file of the user's
        corpus folder stays on disk and is listed as removed (undo with restore())."""
        root = self.corpus_root
        if "#" in doc_id and self.index.document(doc_id) is not None:
            raise ConflictError(
                f"{doc_id!r} is a record of {doc_id.split('#')[0]!r}: records are deleted with "
                "their file (edit the file to drop one record)"
            )
        known = [d for d in self.index.documents if d.file == doc_id]
        try:
            path = corpus_path(self.settings.uploads_folder, doc_id)
        except InvalidDocumentError:
            if not known:  # an id no document can have is simply not there
                raise DocumentNotFoundError(f"No document {doc_id[:120]!r} in the index") from None
            raise
        uploaded = not self.home.delta and (path.is_file() or any(d.uploaded for d in known))
        if not known and not uploaded:
            raise DocumentNotFoundError(f"No document {doc_id[:120]!r} in the index")
        if known and len(known) == len(self.index.documents):
            raise ConflictError(
                f"{doc_id!r} holds every indexed document, and an index needs at least one: "
                "add another first"
            )
        if self.home.delta:
            drop = [d.doc_id for d in known]
            return self._update(lambda: Corpus(root, (), ()), only=True, drop=drop)
        if not uploaded:
            return self._set_excluded(root, doc_id, True)
        writes = CorpusWrites()

        def remove_then_read() -> Corpus:
            writes.remove(path)
            return self._read_corpus(root)

        return self._guarded(writes, remove_then_read)

    def restore(self, doc_id: str) -> UpdateReport:
        """Bring back a corpus file that was removed from the archive (its file never left)."""
        if doc_id not in self.exclusions.ids():
            raise DocumentNotFoundError(
                f"{doc_id[:120]!r} is not among the removed documents: nothing to restore"
            )
        return self._set_excluded(self.corpus_root, doc_id, False)

    def _set_excluded(self, root: Path, doc_id: str, excluded: bool) -> UpdateReport:
        before = self.exclusions.ids()
        after = before | {doc_id} if excluded else before - {doc_id}
        self.exclusions.save(after)
        try:
            return self._update(lambda: self._read_corpus(root))
        except BaseException:
            self.exclusions.save(before)
            raise

    def _guarded(self, writes: CorpusWrites, read_corpus: Callable[[], Corpus]) -> UpdateReport:
        try:
            return self._update(read_corpus)
        except BaseException:
            writes.rollback()
            raise

    def document(self, doc_id: str) -> tuple[DocumentInfo, str]:
        """One indexed document and its text view, the exact text its offsets index."""
        index = self.index
        info = index.document(doc_id)
        if info is None:
            raise DocumentNotFoundError(f"No document {doc_id[:120]!r} in the index")
        if info.stored_view or index.all_views:
            return info, index.views[doc_id]
        try:
            data = (index.root_of(info) / doc_id).read_bytes()
        except OSError as exc:
            raise StaleDocumentError(
                f"{doc_id!r} is indexed but cannot be read ({exc.strerror}): run `rag index`"
            ) from exc
        if hashlib.sha256(data).hexdigest() != info.sha256:
            raise StaleDocumentError(
                f"{doc_id!r} changed on disk since it was indexed, so its offsets are stale: "
                "run `rag index` (a server picks the update up by itself)"
            )
        return info, data.decode("utf-8")

    def start_batching(self) -> None:
        """Let concurrent query() calls share the model's workers (used by the HTTP server)."""
        if self._runner is None:
            self._runner = QueryRunner(
                self.embedder, self.settings.max_batch, self.settings.batch_wait_ms / 1e3
            )

    def close(self) -> None:
        for worker in self._background:
            worker.stop()
        self._background.clear()
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def make_query(
        self,
        question: str,
        top_k: int | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
    ) -> Query:
        """Validate the user's input into a Query."""
        return Query(
            clean_question(question, self.settings.max_question_chars),
            check_top_k(self.settings.top_k if top_k is None else top_k),
            mode or self.settings.mode,
            filters or Filters(),
        )

    def query(
        self,
        question: str,
        top_k: int | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
    ) -> Retrieval:
        """Rank passages for one question."""
        query = self.make_query(question, top_k, mode, filters)
        if self._runner is None:
            return self.retriever.search([query])[0]
        return self._runner.search(self.retriever, query)

    async def query_async(
        self,
        question: str,
        top_k: int | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
    ) -> Retrieval:
        """query() for an event loop, which it leaves only for the model pass (see QueryRunner)."""
        query = self.make_query(question, top_k, mode, filters)
        if self._runner is None:
            return (await asyncio.to_thread(self.retriever.search, [query]))[0]
        return await self._runner.search_async(self.retriever, query)

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
        filters: Filters | None = None,
    ) -> Answer:
        """Retrieve, then write an answer that cites the passages (or say the articles do not cover it)."""
        gen = self.generator(generator)
        return answer(self.query(question, top_k, mode, filters), gen)

    def stream_answer(
        self,
        question: str,
        top_k: int | None = None,
        generator: str | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        """Like answer(), as pieces of text followed by the final Answer. Errors surface before streaming."""
        gen = self.generator(generator)
        return stream_answer(self.query(question, top_k, mode, filters), gen)

    def documents(self) -> list[DocumentInfo]:
        return list(self.index.documents)

    def stats(self) -> dict[str, Any]:
        index = self.index
        return {
            "status": "degraded" if self.problem else "ok",
            "problem": self.problem,
            "chunks": index.manifest["counts"]["chunks"],
            "documents": index.manifest["counts"]["documents"],
            "model": self.settings.model,
            "generation": index.generation,
            "built_at": index.manifest["created_at"],
            "corpus_dir": str(index.corpus_root),
            "uploads_dir": None if self.home.delta else str(self.settings.uploads_folder.resolve()),
        }
