"""Embedded exact inner-product search with FAISS: the offline default."""

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
from numpy.typing import NDArray

FILENAME = "vectors.faiss"


HNSW_M = 32
EF_SEARCH = 512  # candidates an HNSW search keeps: recall vs time, see eval/bench_scale.py


class FaissStore:
    """Inner-product search: exact (flat) by default, or an HNSW graph for large indexes.

    Flat search scans every vector, which is exact and fast enough up to the size the scale
    benchmark measured (RAG_FAISS_APPROXIMATE_ABOVE); past it HNSW answers in a fraction of the
    time at a recall the benchmark reports.
    """

    def __init__(
        self, dim: int, index: faiss.Index | None = None, approximate: bool = False
    ) -> None:
        self.dim = dim
        if index is None:
            index = (
                faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
                if approximate
                else faiss.IndexFlatIP(dim)
            )
        self._index = index

    @property
    def approximate(self) -> bool:
        return isinstance(self._index, faiss.IndexHNSW)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: NDArray[np.float32]) -> None:
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(
        self, queries: NDArray[np.float32], k: int, allowed: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        k = max(1, min(k, len(self)))
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        selector = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
        if self.approximate:
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(EF_SEARCH, k))  # type: ignore[attr-defined]
        elif selector is not None:
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        else:
            params = None
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
