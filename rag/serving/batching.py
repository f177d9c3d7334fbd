"""Group concurrent calls into small batches so one model pass serves many waiting requests."""

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from queue import Empty, SimpleQueue
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Runs `fn` on batches of items submitted from many threads or an event loop.

    A caller waits at most `max_wait_s` for company; a full batch goes at once. `workers`
    threads each take the next batch, so with one worker the model never runs concurrently
    with itself, and with more, passes run side by side (for a model that is faster so).
    """

    def __init__(
        self,
        fn: Callable[[Sequence[T]], Sequence[R]],
        max_batch: int,
        max_wait_s: float,
        workers: int = 1,
    ) -> None:
        self._fn = fn
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._queue: SimpleQueue[tuple[T, Future[R]] | None] = SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"micro-batcher-{i}", daemon=True)
            for i in range(max(workers, 1))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, item: T) -> R:
        """Block until the batch holding `item` is done; re-raises that batch's error."""
        return self.submit_later(item).result()

    def submit_later(self, item: T) -> "Future[R]":
        """Queue `item` and return at once; the future resolves when its batch is done."""
        future: Future[R] = Future()
        self._queue.put((item, future))
        return future

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            batch = [first]
            stop = self._collect(batch)
            items = [item for item, _ in batch]
            try:
                results = self._fn(items)
            except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller
                for _, future in batch:
                    future.set_exception(exc)
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)
            if stop:
                return

    def _collect(self, batch: list[tuple[T, "Future[R]"]]) -> bool:
        """Fill `batch` until it is full or the wait is over; True when close() was called."""
        deadline = time.monotonic() + self._max_wait_s
        while len(batch) < self._max_batch:
            remaining = deadline - time.monotonic()
            try:
                nxt = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except Empty:
                return False
            if nxt is None:
                return True
            batch.append(nxt)
        return False
