"""How a server runs questions: model passes in worker threads, ranking where it costs least."""

import asyncio
import time

import numpy as np
from numpy.typing import NDArray

from rag.embedding.embedder import Embedder
from rag.query import Query
from rag.retrieval.retriever import Retrieval, Retriever
from rag.serving.batching import MicroBatcher

# Above this many chunks a ranking (exact dense search + BM25) can take milliseconds: too long
# to hold an event loop that every other request, /health included, is waiting on.
INLINE_RANK_MAX_CHUNKS = 20_000


class QueryRunner:
    """Embeds questions in `embedder.query_runners` worker threads and ranks each question in
    its caller. One worker (torch: one pass spans every core) batches the questions queued while
    it was busy; side-by-side workers take one question each, since on one core a batch only
    adds padding (3.5 → 3.8 ms of CPU a question at 8) and a worker holding a batch leaves the
    others idle.

    `search_async` is for an event loop. Only the model pass leaves the loop: it releases the
    GIL, so it runs beside the loop's own work, while a thread hop for the ranking would cost
    more than a small index takes to rank. Rankings that can be slow (a large index, a store
    that ranks by itself such as Milvus, a cross-encoder) still go to a thread.
    """

    def __init__(self, embedder: Embedder, max_batch: int, max_wait_s: float) -> None:
        workers = embedder.query_runners
        self._batcher: MicroBatcher[str, NDArray[np.float32]] = MicroBatcher(
            lambda questions: list(embedder.embed_queries(questions, side_by_side=True)),
            max_batch if workers == 1 else 1,
            max_wait_s,
            workers,
        )

    def search(self, retriever: Retriever, query: Query) -> Retrieval:
        started = time.perf_counter()
        vector = self._batcher.submit(query.question)
        return retriever.search([query], vector[None, :], time.perf_counter() - started)[0]

    async def search_async(self, retriever: Retriever, query: Query) -> Retrieval:
        started = time.perf_counter()
        vector = await asyncio.wrap_future(self._batcher.submit_later(query.question))
        embed_s = time.perf_counter() - started
        if quick_to_rank(retriever):
            return retriever.search([query], vector[None, :], embed_s)[0]
        ranked = await asyncio.to_thread(retriever.search, [query], vector[None, :], embed_s)
        return ranked[0]

    def close(self) -> None:
        self._batcher.close()


def quick_to_rank(retriever: Retriever) -> bool:
    """True when ranking one question takes well under a millisecond or two."""
    return (
        retriever.engine is None
        and retriever.reranker is None
        and len(retriever.index.store) <= INLINE_RANK_MAX_CHUNKS
    )
