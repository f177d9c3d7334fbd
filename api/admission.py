"""Admission control: a bounded number of answers written at once, the rest told to come back.

An answer costs seconds of CPU, a query milliseconds; without a bound, thirty concurrent
answers hold the thread pool and the model, and queries wait behind them. Past the bound an
answer gets 503 with Retry-After at once, while queries and /health keep their speed.
"""

from fastapi.responses import JSONResponse

RETRY_AFTER_S = 2


class AnswerGate:
    """Counts the answers being written; every call runs on the event loop, so no lock is needed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    def try_enter(self) -> bool:
        if self.active >= self.limit:
            return False
        self.active += 1
        return True

    def leave(self) -> None:
        self.active -= 1

    def refusal(self) -> JSONResponse:
        detail = (
            f"{self.active} answers are being written, the most at once "
            f"(RAG_MAX_CONCURRENT_ANSWERS={self.limit}): retry in {RETRY_AFTER_S} s"
        )
        return JSONResponse(
            {"detail": detail}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)}
        )
