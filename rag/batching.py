"""Group concurrent calls into small batches so one model pass serves many waiting requests."""

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from queue import Empty, Queue
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Runs `fn` on batches of items submitted from many threads.

    A caller waits at most `max_wait_s` for company; a full batch goes at once. The worker is
    one thread, so the model is never run concurrently with itself.
    """

    def __init__(
        self, fn: Callable[[Sequence[T]], Sequence[R]], max_batch: int, max_wait_s: float
    ) -> None:
        self._fn = fn
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._queue: Queue[tuple[T, Future[R]] | None] = Queue()
        self._thread = threading.Thread(target=self._run, name="micro-batcher", daemon=True)
        self._thread.start()

    def submit(self, item: T) -> R:
        """Block until the batch holding `item` is done; re-raises that batch's error."""
        future: Future[R] = Future()
        self._queue.put((item, future))
        return future.result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

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
