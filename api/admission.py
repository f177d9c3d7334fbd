"""Admission control: a bounded number of answers written at once, a short queue, the rest told
when to come back.

An answer costs seconds of CPU, a query milliseconds; without a bound, thirty concurrent
answers hold the thread pool and the model, and queries wait behind them. On 2 cores two
answers at once finish as fast as four (they share the same cores), so the default bound is
the core count. An answer past the bound waits up to RAG_ANSWER_QUEUE_S for a slot (at most
QUEUE_PER_SLOT waiters a slot); past that it gets 503 at once, with a Retry-After taken from
how long answers take here (a moving average), so clients come back when a slot is likely free.
"""

import asyncio
import math
import time

from fastapi.responses import JSONResponse

QUEUE_PER_SLOT = 4
FIRST_GUESS_S = 3.0  # an answer's time before any has been measured (2 cores, extractive)
SMOOTHING = 0.2


class AnswerGate:
    """Counts the answers being written and waiting; every call runs on the event loop."""

    def __init__(self, limit: int, wait_s: float = 0.0) -> None:
        self.limit, self.wait_s = limit, wait_s
        self.active = 0
        self.waiting = 0
        self.answer_s = FIRST_GUESS_S
        self._started: list[float] = []
        self._freed = asyncio.Condition()

    async def enter(self) -> bool:
        """Take a slot, waiting up to `wait_s` for one; False when none came (send refusal())."""
        if self.active >= self.limit:
            if self.wait_s <= 0 or self.waiting >= self.limit * QUEUE_PER_SLOT:
                return False
            self.waiting += 1
            try:
                async with self._freed:
                    await asyncio.wait_for(
                        self._freed.wait_for(lambda: self.active < self.limit), self.wait_s
                    )
            except TimeoutError:
                return False
            finally:
                self.waiting -= 1
        self.active += 1
        self._started.append(time.monotonic())
        return True

    def leave(self) -> None:
        self.active -= 1
        if self._started:
            took = time.monotonic() - self._started.pop(0)
            self.answer_s += SMOOTHING * (took - self.answer_s)
        try:
            asyncio.get_running_loop().create_task(self._wake())
        except RuntimeError:  # a stream finalised outside the loop: waiters time out instead
            pass

    async def _wake(self) -> None:
        async with self._freed:
            self._freed.notify()

    @property
    def retry_after_s(self) -> int:
        """When a slot is likely free: the answers ahead (written and waiting) share the slots."""
        ahead = self.active + self.waiting
        return max(1, min(120, math.ceil(self.answer_s * ahead / self.limit)))

    def refusal(self) -> JSONResponse:
        retry = self.retry_after_s
        detail = (
            f"{self.active} answers are being written and {self.waiting} wait, the most this "
            f"server takes (RAG_MAX_CONCURRENT_ANSWERS={self.limit}, answers take about "
            f"{self.answer_s:.1f} s here): retry in {retry} s"
        )
        return JSONResponse(
            {"detail": detail}, status_code=503, headers={"Retry-After": str(retry)}
        )
