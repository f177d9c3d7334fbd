"""Sharing the model among concurrent questions: the micro-batcher, the model lock, the runner."""

import asyncio
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from eval.dataset import DEFAULT_SEEDS, load_questions
from rag.embedding.embedder import ModelLock
from rag.retrieval.retriever import Retrieval, Retriever
from rag.service import RagService
from rag.serving import runner as serving
from rag.serving.batching import MicroBatcher


class SlowModel:
    """Records each batch; the first call holds the worker while others queue up."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.first = threading.Event()

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.first.set()
            time.sleep(0.3)
        if -1 in items:
            raise ValueError("bad item")
        return [i * 10 for i in items]


def test_questions_queued_while_the_model_is_busy_share_the_next_pass() -> None:
    model = SlowModel()
    batcher = MicroBatcher(model, max_batch=32, max_wait_s=0.0)  # the default: no waiting
    try:
        with ThreadPoolExecutor(8) as pool:
            first = pool.submit(batcher.submit, 0)
            assert model.first.wait(5)
            rest = [pool.submit(batcher.submit, i) for i in range(1, 8)]
            results = [first.result(), *(f.result() for f in rest)]
        assert results == [i * 10 for i in range(8)]  # each caller gets its own item's result
        assert model.batches[0] == [0] and sorted(model.batches[1]) == list(range(1, 8))
    finally:
        batcher.close()


def test_a_failed_pass_fails_every_caller_in_it_and_only_them() -> None:
    model = SlowModel()
    batcher = MicroBatcher(model, max_batch=32, max_wait_s=0.0)
    try:
        with ThreadPoolExecutor(4) as pool:
            first = pool.submit(batcher.submit, 1)
            assert model.first.wait(5)
            bad, good = pool.submit(batcher.submit, -1), pool.submit(batcher.submit, 2)
            with pytest.raises(ValueError, match="bad item"):
                bad.result()
            with pytest.raises(ValueError):
                good.result()  # shared the failing pass
            assert first.result() == 10
        assert batcher.submit(3) == 30  # the worker survives a failed pass
    finally:
        batcher.close()


def test_workers_run_passes_side_by_side_and_all_stop_on_close() -> None:
    both_inside = threading.Barrier(2, timeout=5)  # breaks unless two passes overlap

    def model(items: Sequence[int]) -> list[int]:
        both_inside.wait()
        return [i + 1 for i in items]

    batcher = MicroBatcher(model, max_batch=1, max_wait_s=0.0, workers=2)
    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(batcher.submit, [1, 2])) == [2, 3]
    batcher.close()
    assert not any(t.is_alive() for t in batcher._threads)


def test_the_model_lock_admits_its_slots_of_questions_and_background_waits_for_them() -> None:
    lock = ModelLock()
    lock.slots = 2
    inside = threading.Barrier(3, timeout=5)
    release = threading.Event()
    order: list[str] = []

    def question() -> None:
        with lock.urgent():
            inside.wait()  # two questions in the model at once, or this breaks
            release.wait(5)
            order.append("question")

    def background() -> None:
        with lock.background():
            order.append("background")

    with ThreadPoolExecutor(3) as pool:
        questions = [pool.submit(question) for _ in range(2)]
        inside.wait()
        later = pool.submit(background)
        time.sleep(0.1)
        assert order == []  # background work waits while questions hold the model
        release.set()
        for f in [*questions, later]:
            f.result()
    assert order == ["question", "question", "background"]


def test_the_event_loop_ranks_a_small_index_itself_and_a_large_one_in_a_thread(
    seed_service: RagService, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = load_questions(DEFAULT_SEEDS)[0].question
    service = seed_service.derive()
    service.start_batching()
    ranked_in: list[int] = []
    search = Retriever.search

    def spy(self: Retriever, *args: Any, **kwargs: Any) -> list[Retrieval]:
        ranked_in.append(threading.get_ident())
        return search(self, *args, **kwargs)

    async def ask() -> tuple[int, Retrieval]:
        return threading.get_ident(), await service.query_async(question)

    monkeypatch.setattr(Retriever, "search", spy)
    try:
        loop, small = asyncio.run(ask())
        assert ranked_in[-1] == loop
        monkeypatch.setattr(serving, "INLINE_RANK_MAX_CHUNKS", len(service.index.chunks) - 1)
        loop, large = asyncio.run(ask())
        assert ranked_in[-1] != loop
        expected = seed_service.query(question)
        for got in (small, large):
            assert [(p.doc_id, p.start, p.end) for p in got.passages] == [
                (p.doc_id, p.start, p.end) for p in expected.passages
            ]
    finally:
        service.close()


def test_background_work_goes_smallest_first_but_a_long_wait_counts() -> None:
    """A one-text job passes a large one; a large job that has waited long passes a fresh
    middling one (a soak saw a large upload starve behind a stream of answers)."""
    lock = ModelLock()
    order: list[str] = []
    held = threading.Event()

    def hold() -> None:
        with lock.background(size=1):
            held.set()
            time.sleep(0.3)

    def job(name: str, size: int, since: float | None = None) -> None:
        with lock.background(size=size, since=since):
            order.append(name)

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(hold)
        held.wait(5)
        waiting = [
            pool.submit(job, "large, fresh", 400),
            pool.submit(job, "large, waiting 60 s", 400, time.monotonic() - 60),
            pool.submit(job, "small", 1),
        ]
        time.sleep(0.1)
        for f in [first, *waiting]:
            f.result()
    assert order == ["small", "large, waiting 60 s", "large, fresh"]


def test_a_watched_question_is_embedded_behind_the_questions_being_asked(
    seed_service: RagService,
) -> None:
    """Re-checking watches embeds with urgent=False: it waits while a question holds the model."""
    embedder = seed_service.embedder
    lock = embedder._lock  # type: ignore[attr-defined]
    holding, release = threading.Event(), threading.Event()
    order: list[str] = []

    def question() -> None:
        with lock.urgent():
            holding.set()
            release.wait(5)
            order.append("question")

    def watch() -> Any:
        vectors = embedder.embed_queries(["who?"], urgent=False)
        order.append("watch")
        return vectors

    with ThreadPoolExecutor(2) as pool:
        asked = pool.submit(question)
        holding.wait(5)
        watched = pool.submit(watch)
        time.sleep(0.2)
        assert not watched.done()  # waiting for the model behind the question
        release.set()
        asked.result()
        assert watched.result().shape == (1, embedder.dim)
    assert order == ["question", "watch"]
