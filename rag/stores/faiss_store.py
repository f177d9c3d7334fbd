"""Embedded exact inner-product search with FAISS: the offline default."""

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
from numpy.typing import NDArray

FILENAME = "vectors.faiss"


class FaissStore:
    """A flat inner-product index: exact, and fast enough for hundreds of thousands of chunks."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self._index = index if index is not None else faiss.IndexFlatIP(dim)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: NDArray[np.float32]) -> None:
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(
        self, queries: NDArray[np.float32], k: int, allowed: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        k = max(1, min(k, len(self)))
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if allowed is None:
            scores, ids = self._index.search(queries, k)
            return scores, ids
        selector = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
        params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = self._index.search(queries, k, params=params)
        return scores, ids

    def vectors(self, ids: Sequence[int]) -> NDArray[np.float32]:
        """The stored vectors of some rows (reused by updates, and for MMR diversity)."""
        if not ids:
            return np.zeros((0, self.dim), np.float32)
        wanted = np.asarray(ids, dtype=np.int64)
        return np.asarray(self._index.reconstruct_batch(wanted), dtype=np.float32)

    def save(self, folder: Path) -> None:
        """Written from Python, so a full disk is an OSError, not FAISS printing to stderr."""
        with open(folder / FILENAME, "wb") as fh:
            fh.write(faiss.serialize_index(self._index).tobytes())

    @classmethod
    def load(cls, folder: Path) -> "FaissStore":
        index = faiss.read_index(str(folder / FILENAME))
        return cls(index.d, index)
