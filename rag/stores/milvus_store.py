"""The VectorStore seam over Milvus, and the RankingEngine that runs retrieval in Milvus."""

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from rag.stores.base import Ranked
from rag.stores.milvus_collections import MilvusCollections, milvus_errors, quote

if TYPE_CHECKING:
    from rag.query import Filters, SearchMode


class MilvusStore:
    """The VectorStore seam over a chunks collection: rows are local numbers for primary keys.

    A loaded index numbers its chunk rows 0..n-1 and keeps their keys; vectors added through
    `add` alone (the store contract, the scale benchmark) get the keys `row-<n>`.
    """

    def __init__(self, collections: MilvusCollections, keys: Sequence[str] = ()) -> None:
        self.collections = collections
        self.dim = collections.dim
        self.keys = list(keys)
        self._rows = {k: i for i, k in enumerate(self.keys)}

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, vectors: NDArray[np.float32]) -> None:
        keys = [f"row-{len(self.keys) + i}" for i in range(len(vectors))]
        self.collections.insert_chunks(
            [
                {
                    "pk": k,
                    "cid": k,
                    "doc_id": k,
                    "file": k,
                    "start": 0,
                    "end": 0,
                    "title": None,
                    "text": "",
                    "lexical": "",
                    "dense": v.tolist(),
                    "published": None,
                    "outlet": None,
                }
                for k, v in zip(keys, vectors, strict=True)
            ]
        )
        self.keys += keys
        self._rows.update({k: len(self._rows) + i for i, k in enumerate(keys)})

    def search(
        self, queries: NDArray[np.float32], k: int, allowed: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        expr = ""
        if allowed is not None:
            expr = f"pk in [{', '.join(quote(self.keys[i]) for i in np.flatnonzero(allowed))}]"
        width = max(1, min(k, len(self)))
        found = self.collections.dense(queries, width, expr)
        scores = np.full((len(queries), width), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), width), -1, dtype=np.int64)
        for q, hits in enumerate(found):
            for j, (key, score) in enumerate(hits[:width]):
                scores[q, j], ids[q, j] = score, self._rows[key]
        return scores, ids

    def rank(
        self,
        question: str,
        vector: NDArray[np.float32],
        depth: int,
        mode: "SearchMode",
        filters: "Filters",
        rrf_k: int,
        weights: tuple[float, float],
    ) -> tuple[Ranked, Ranked]:
        """One dense search (for the abstention signals), then BM25 or Milvus's RRF hybrid when asked."""
        expr = filter_expr(filters)
        collections = self.collections
        with milvus_errors("searching"):
            dense = self.rows(collections.dense(vector[None, :], depth, expr)[0])
            if mode == "dense":
                return dense, dense
            if mode == "lexical":
                return dense, self.rows(collections.lexical(question, depth, expr))
            fused = collections.hybrid(vector, question, depth, expr, rrf_k, weights)
            return dense, self.rows(fused)

    def rows(self, hits: Sequence[tuple[str, float]]) -> list[tuple[int, float]]:
        """Engine hits as (local row, score), leaving out rows newer than this loaded index."""
        return [(self._rows[key], score) for key, score in hits if key in self._rows]

    def vectors(self, ids: Sequence[int]) -> NDArray[np.float32]:
        return self.collections.vectors([self.keys[i] for i in ids])

    def save(self, folder: Path) -> None:
        """Nothing to write locally: the rows are in Milvus once flushed."""
        self.collections.flush()


def filter_expr(filters: "Filters") -> str:
    """The Milvus boolean expression for a question's filters ("" when it has none).

    An article without a date or outlet never matches a date or outlet filter, as in FAISS.
    """
    parts = []
    if filters.doc_ids:
        listed = ", ".join(quote(d) for d in filters.doc_ids)
        parts.append(f"(doc_id in [{listed}] or file in [{listed}])")
    if filters.published_from or filters.published_to:
        low = (filters.published_from or date.min).isoformat()
        high = (filters.published_to or date.max).isoformat()
        parts.append(
            f"(published is not null and published >= {quote(low)} and published <= {quote(high)})"
        )
    if filters.outlets:
        listed = ", ".join(quote(o.casefold()) for o in filters.outlets)
        parts.append(f"(outlet is not null and outlet in [{listed}])")
    return " and ".join(parts)
