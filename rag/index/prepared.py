"""Vectors embedded ahead of an update, outside its write lock, and taken by that update.

Embedding is nearly all of an upload's cost, and nothing about it needs the write lock: an
upload is chunked and embedded first, and the update (which re-chunks it identically under the
lock) finds its vectors ready, so one large upload never holds the only writer for long.
"""

import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rag.config import Settings
from rag.corpus.documents import Document
from rag.embedding.embedder import Embedder
from rag.errors import BacklogFullError
from rag.index.describe import default_layout
from rag.index.plan import indexed_text
from rag.index.prepare import chunk_all

EMBEDDED_PER_S = 40  # passages a 2-core machine embeds per second under load (for Retry-After)


class PreparedVectors:
    """Texts and their vectors, each taken once (what an update did not take is dropped), and
    the count of texts still being embedded, which bounds how much upload work may queue."""

    def __init__(self) -> None:
        self._ready: dict[str, NDArray[np.float32]] = {}
        self._lock = threading.Lock()
        self._pending = 0

    @contextmanager
    def admitted(self, count: int, limit: int) -> Iterator[None]:
        """Count `count` texts as waiting for the block; BacklogFullError when others already
        wait and these would take the total past `limit` (one job of any size gets in alone)."""
        with self._lock:
            if self._pending and self._pending + count > limit:
                wait = max(1, math.ceil((self._pending + count) / EMBEDDED_PER_S))
                raise BacklogFullError(
                    f"{self._pending} passages of other uploads are waiting to be embedded and "
                    f"this upload adds {count} (RAG_MAX_EMBED_BACKLOG={limit}): retry in about "
                    f"{wait} s",
                    wait,
                )
            self._pending += count
        try:
            yield
        finally:
            with self._lock:
                self._pending -= count

    def add(self, texts: Sequence[str], vectors: NDArray[np.float32]) -> None:
        with self._lock:
            self._ready.update(zip(texts, vectors, strict=True))

    def take(self, texts: Sequence[str]) -> dict[int, NDArray[np.float32]]:
        """The ready vectors of some of `texts`, by position."""
        with self._lock:
            return {i: self._ready.pop(t) for i, t in enumerate(texts) if t in self._ready}

    def drop(self, texts: Sequence[str]) -> None:
        with self._lock:
            for text in texts:
                self._ready.pop(text, None)


class PreparedEmbedder:
    """The service's embedder, serving prepared vectors first (updates use this one)."""

    def __init__(self, inner: Embedder, prepared: PreparedVectors) -> None:
        self.inner, self.prepared = inner, prepared

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> NDArray[np.float32]:
        ready = self.prepared.take(texts)
        rest = [i for i in range(len(texts)) if i not in ready]
        out = np.zeros((len(texts), self.inner.dim), dtype=np.float32)
        if rest:
            out[rest] = self.inner.embed_documents([texts[i] for i in rest], progress=progress)
        for i, vector in ready.items():
            out[i] = vector
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def prepare(
    documents: Sequence[Document], settings: Settings, embedder: Embedder, ready: PreparedVectors
) -> list[str]:
    """Chunk and embed documents as their update will; returns the texts whose vectors wait."""
    made, _ = chunk_all(documents, settings, embedder, default_layout, "", progress=False)
    texts = [indexed_text(c, settings.embed_titles) for m in made.values() for c, _ in m.pairs]
    if texts:
        with ready.admitted(len(texts), settings.max_embed_backlog):
            ready.add(texts, embedder.embed_documents(texts))
    return texts
