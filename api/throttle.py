"""Rate limits (the `limits` library, moving window in memory): one budget per API key, or per
client address when keys are off, kept separately for queries, answers and writes."""

import hashlib
import math
import time
from typing import Literal

from fastapi import Depends, HTTPException, Request

from rag.config import Settings

Kind = Literal["query", "answer", "write"]
SETTING = {
    "query": "RAG_RATE_LIMIT_QUERY",
    "answer": "RAG_RATE_LIMIT_ANSWER",
    "write": "RAG_RATE_LIMIT_WRITE",
}


class Throttle:
    """Counts each caller's requests per kind of route against the configured rates."""

    def __init__(self, settings: Settings) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        rates = {
            "query": settings.rate_limit_query,
            "answer": settings.rate_limit_answer,
            "write": settings.rate_limit_write,
        }
        self._rates = {kind: parse(rate) for kind, rate in rates.items() if rate}

    def check(self, kind: Kind, caller: str) -> None:
        """Count one request; 429 with Retry-After when the caller's budget is spent."""
        rate = self._rates.get(kind)
        if rate is None or self._limiter.hit(rate, kind, caller):
            return
        reset = self._limiter.get_window_stats(rate, kind, caller).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise HTTPException(
            status_code=429,
            detail=f"rate limit of {rate} for {kind} requests reached ({SETTING[kind]}): retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def caller(request: Request) -> str:
    """Who is asking: a hash of their bearer key, else their address."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return "key:" + hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:16]
    return "addr:" + (request.client.host if request.client else "unknown")


def limited(kind: Kind):  # type: ignore[no-untyped-def]
    """A dependency that spends one request of `kind` from the caller's budget."""

    async def spend(request: Request) -> None:  # async: a sync dependency costs a thread hop
        request.app.state.throttle.check(kind, caller(request))

    return Depends(spend)
