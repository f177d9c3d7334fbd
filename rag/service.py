"""The facade the CLI, the HTTP API and the eval all call: build, query, answer, describe."""

import asyncio
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from rag import registry
from rag.archive import Archive, WriteResult
from rag.config import Settings
from rag.corpus.documents import Corpus
from rag.embedding.embedder import Embedder
from rag.errors import RagError
from rag.generation.answering import Answer, Checking, answer, stream_answer
from rag.generation.base import Generator
from rag.generation.catalog import Generators
from rag.generation.claims import ClaimChecker
from rag.generation.tagger import Tagger
from rag.index import DocumentInfo, LoadedIndex, UpdateReport
from rag.index.home import DeltaHome, IndexHome, home_for
from rag.index.prepared import PreparedEmbedder
from rag.judging.base import Judge
from rag.judging.base import apply as apply_verdict
from rag.judging.reader import disagreements
from rag.query import Filters, Query, SearchMode, check_top_k, clean_question
from rag.retrieval.retriever import Retrieval, Retriever
from rag.serving.memory import release_freed_memory
from rag.serving.reloading import CorpusWatcher, Nudged, Repeater
from rag.serving.runner import QueryRunner
from rag.workbench.followup import Rewrite, Turn, followed, standalone
from rag.workbench.timeline import Timeline, query_for
from rag.workbench.timeline import build as build_timeline
from rag.workbench.watches.base import Change, Watch
from rag.workbench.watches.desk import Watches
from rag.workbench.watches.stores import store_for


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
        self._background: list[Repeater | CorpusWatcher | Nudged] = []
        self._rechecks: Nudged | None = None  # re-answers watched questions after a reload
        self.problem: str | None = None  # why the index on disk cannot be loaded, while serving
        self.generators = Generators(settings, lambda: self.embedder)
        self._judge: Judge | None = None
        self.home: IndexHome = home_for(
            settings, lambda: PreparedEmbedder(self.embedder, self.archive.prepared)
        )
        self.archive = Archive(
            settings,
            self.home,
            lambda: self.index,
            self._sync,
            self._apply,
            lambda: self.corpus_root,
            lambda: self.embedder,
        )

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
        return self._sync(self.archive.reader(root), full=full, progress=progress)

    def _sync(
        self, read_corpus: Callable[[], Corpus], full: bool = False, progress: bool = False
    ) -> UpdateReport:
        return self._refreshed(self.home.sync(read_corpus, full, progress))

    def _apply(self, corpus: Corpus, drop: Sequence[str]) -> UpdateReport:
        assert self.home.delta, "only a delta home (Milvus) applies uploads by name"
        return self._refreshed(cast(DeltaHome, self.home).apply(corpus, drop))

    def _refreshed(self, report: UpdateReport) -> UpdateReport:
        if self._loaded is not None:
            self.refresh()
        return report

    def open(self, build_if_missing: bool = False, progress: bool = True) -> None:
        """Load the index (building it over the configured corpus first when asked and there is
        none, or updating it when a killed writer left uploads that were never acknowledged)."""
        stale = self.archive.has_stale_writes()
        if (build_if_missing and not self.has_index()) or (stale and self.has_index()):
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
        if self._rechecks is not None:
            self._rechecks.nudge()
        return True

    def _newer(self, generation: str) -> bool:
        """True unless the loaded index is already this generation."""
        return self._loaded is None or generation != self._loaded.index.generation

    def watch(self, corpus: bool = False) -> None:
        """Pick up new generations written by any process, and re-answer watched questions
        after each; with `corpus`, re-index on file edits."""
        self._rechecks = Nudged(self.recheck_watches, "watch-rechecks")
        self._rechecks.nudge()  # the index may have moved since the watches were last checked
        self._background += [
            self._rechecks,
            Repeater(self.refresh, self.settings.reload_interval_s, "index-reloader"),
        ]
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
        """Store uploaded documents and index them before returning (see Archive.add)."""
        return self.archive.add(files)

    def delete(self, doc_id: str) -> UpdateReport:
        """Take a document out of the archive (see Archive.delete)."""
        return self.archive.delete(doc_id)

    def restore(self, doc_id: str) -> UpdateReport:
        """Bring back a corpus file that was removed (see Archive.restore)."""
        return self.archive.restore(doc_id)

    def document(self, doc_id: str) -> tuple[DocumentInfo, str]:
        """One indexed document and its text view, the exact text its offsets index."""
        return self.index.text_view(doc_id)

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
        self._rechecks = None
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def make_query(
        self,
        question: str,
        top_k: int | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
        judged_as: str | None = None,
    ) -> Query:
        """Validate the user's input into a Query."""
        return Query(
            clean_question(question, self.settings.max_question_chars),
            check_top_k(self.settings.top_k if top_k is None else top_k),
            mode or self.settings.mode,
            filters or Filters(),
            judged_as,
        )

    def query(
        self,
        question: str,
        top_k: int | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
        judge: bool = False,
        conversation: Sequence[Turn] = (),
    ) -> Retrieval:
        """Rank passages for one question, a follow-up made standalone from the `conversation`
        first (and ask the configured judge, when `judge`)."""
        rewrite = self.standalone(question, conversation)
        query = self.make_query(rewrite.searched_as, top_k, mode, filters, rewrite.judged_as)
        if self._runner is None:
            result = self.retriever.search([query])[0]
        else:
            result = self._runner.search(self.retriever, query)
        result = followed(result, question, rewrite)
        return self.judged(result) if judge else result

    def standalone(self, question: str, conversation: Sequence[Turn] = ()) -> Rewrite:
        """What to search for a question asked after `conversation` (see rag.workbench.followup)."""
        return standalone(
            question, conversation, self.generators.chat_model, self.settings.max_question_chars
        )

    def judged(self, retrieval: Retrieval) -> Retrieval:
        """The retrieval as RAG_JUDGE sees it (the signals judge keeps it as it is)."""
        if self._judge is None:
            self._judge = registry.resolve("judge", self.settings.judge)(
                self.settings, self.generator
            )
        if self._judge.name == "signals":
            return retrieval
        return apply_verdict(retrieval, self._judge.judge(retrieval))

    async def query_async(
        self,
        question: str,
        top_k: int | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
        judge: bool = False,
        conversation: Sequence[Turn] = (),
    ) -> Retrieval:
        """query() for an event loop, which it leaves only for the model pass (see QueryRunner),
        for a language model's rewrite of a follow-up and for a judge other than the default."""
        if conversation:
            rewrite = await asyncio.to_thread(self.standalone, question, conversation)
        else:
            rewrite = Rewrite(question, None)
        query = self.make_query(rewrite.searched_as, top_k, mode, filters, rewrite.judged_as)
        if self._runner is None:
            result = (await asyncio.to_thread(self.retriever.search, [query]))[0]
        else:
            result = await self._runner.search_async(self.retriever, query)
        result = followed(result, question, rewrite)
        if judge and self.settings.judge != "signals":
            return await asyncio.to_thread(self.judged, result)
        return result

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
        return self.generators.get(name)

    def answer(
        self,
        question: str,
        top_k: int | None = None,
        generator: str | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
        conversation: Sequence[Turn] = (),
    ) -> Answer:
        """Retrieve, then write an answer that cites the passages (or say the articles do not cover it)."""
        gen = self.generator(generator)
        retrieval = self.query(question, top_k, mode, filters, True, conversation)
        return answer(retrieval, gen, self.checking)

    def stream_answer(
        self,
        question: str,
        top_k: int | None = None,
        generator: str | None = None,
        mode: SearchMode | None = None,
        filters: Filters | None = None,
        conversation: Sequence[Turn] = (),
    ) -> Iterator[str | Answer]:
        """Like answer(), as pieces of text followed by the final Answer. Errors surface before streaming."""
        gen = self.generator(generator)
        retrieval = self.query(question, top_k, mode, filters, True, conversation)
        return stream_answer(retrieval, gen, self.checking)

    def timeline(
        self, question: str, top_k: int | None = None, filters: Filters | None = None
    ) -> Timeline:
        """The passages about a question or name, by their articles' publication dates."""
        return build_timeline(self.query(question, query_for(top_k), filters=filters))

    @cached_property
    def checking(self) -> Checking:
        """Every answer's sentences checked against the passages they cite."""
        tagger = Tagger(self.settings.tagger_model)
        checker = ClaimChecker(self.embedder, tagger, self.settings.claim_check)
        finder = disagreements if self.settings.disagreements else None
        return Checking(checker, self.settings.drop_unsupported, finder)

    @cached_property
    def watched(self) -> Watches:
        """The questions that watch this archive (stored with its index)."""
        return Watches(store_for(self.settings, self.home), self.settings.max_watches)

    def watch_question(self, question: str, filters: Filters | None = None) -> Watch:
        """Save a question to re-answer after every update, with the answer it has now."""
        filters = filters or Filters()
        now = self.answer(question, filters=filters)
        return self.watched.add(now.question, filters, now, self.index.generation)

    def recheck_watches(self) -> list[Change]:
        """Re-answer the watched questions not yet checked against the loaded generation, each
        behind any question waiting for the model (like indexing); returns what changed."""
        return self.watched.check(self.index.generation, self._answer_in_background)

    def _answer_in_background(self, question: str, filters: Filters) -> Answer:
        query = self.make_query(question, filters=filters)
        vectors = self.embedder.embed_queries([query.question], urgent=False)
        result = self.retriever.search([query], vectors)[0]
        return answer(self.judged(result), self.generator(), self.checking)

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
