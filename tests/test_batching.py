"""The micro-batcher that lets concurrent questions share one model pass."""

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from rag.batching import MicroBatcher


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
