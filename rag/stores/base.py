"""The seam between retrieval and whatever holds the vectors."""

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from rag.query import Filters, SearchMode

Ranked = list[tuple[int, float]]


class VectorStore(Protocol):
    """Holds normalised vectors by row id and returns the nearest by inner product.

    store = registry.resolve("store", "faiss")(dim=384)
    store.add(matrix)                            # rows get ids 0..n-1 in order
    scores, ids = store.search(queries, k=10)    # (q, k) each; id -1 pads short results
    scores, ids = store.search(queries, 10, allowed=mask)   # only rows where mask is True
    store.save(folder); store = FaissStore.load(folder)
    """

    dim: int

    def __len__(self) -> int: ...

    def add(self, vectors: NDArray[np.float32]) -> None: ...

    def search(
        self, queries: NDArray[np.float32], k: int, allowed: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Nearest rows first; with `allowed`, only rows whose mask entry is True."""
        ...

    def vectors(self, ids: Sequence[int]) -> NDArray[np.float32]: ...

    def save(self, folder: Path) -> None: ...


@runtime_checkable
class RankingEngine(Protocol):
    """A store that ranks by itself: dense, BM25 and their fusion, filters pushed down (Milvus).

    Returns the dense ranking (its scores feed the abstention model) and the ranking for
    `mode`, both as (row, score), best first.
    """

    def rank(
        self,
        question: str,
        vector: NDArray[np.float32],
        depth: int,
        mode: "SearchMode",
        filters: "Filters",
        rrf_k: int,
        weights: tuple[float, float],
    ) -> tuple[Ranked, Ranked]: ...
