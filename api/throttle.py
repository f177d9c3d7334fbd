"""Rate limits (the `limits` library, moving window in memory): one budget per valid API key,
else per client address, kept separately for queries, answers and writes; failed key checks
have a budget of their own per address. A made-up key is never a fresh budget."""

import hashlib
import math
import time
from typing import Literal

from fastapi import Depends, HTTPException, Request

from api.keys import key_matches
from rag.config import Settings

Kind = Literal["query", "answer", "write", "auth"]
SETTING = {
    "query": "RAG_RATE_LIMIT_QUERY",
    "answer": "RAG_RATE_LIMIT_ANSWER",
    "write": "RAG_RATE_LIMIT_WRITE",
    "auth": "RAG_RATE_LIMIT_AUTH_FAILURES",
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
            "auth": settings.rate_limit_auth_failures,
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
    """Who is asking: a hash of their bearer key when it is a configured one, else their address
    (the proxy's X-Forwarded-For only from RAG_TRUSTED_PROXIES, which uvicorn applies)."""
    settings: Settings = request.app.state.settings
    auth = request.headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    if key and key_matches(key, settings.api_keys + settings.admin_keys):
        return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return address(request)


def address(request: Request) -> str:
    return "addr:" + (request.client.host if request.client else "unknown")


def limited(kind: Kind):  # type: ignore[no-untyped-def]
    """A dependency that spends one request of `kind` from the caller's budget."""

    async def spend(request: Request) -> None:  # async: a sync dependency costs a thread hop
        request.app.state.throttle.check(kind, caller(request))

    return Depends(spend)
