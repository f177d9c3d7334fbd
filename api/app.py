"""FastAPI app factory: the index and model load once, in the lifespan, into app.state."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api import docs, errors
from api.admission import AnswerGate
from api.middleware import AccessLog, BodyLimit, SecurityHeaders
from api.origins import HostCheck, allowed_hosts
from api.routes import STATIC, router
from api.slow_clients import HeaderTimeoutProtocol
from api.throttle import Throttle
from api.watch_routes import watch_router
from rag.config import Settings
from rag.service import RagService

log = logging.getLogger("rag.api")


def auth_summary(settings: Settings) -> str:
    """The one line a server logs at start-up about who may read and write (never the keys)."""
    reads, writes = len(settings.api_keys), len(settings.admin_keys)
    if not reads and not writes:
        return "auth: off - every route is open (set RAG_API_KEYS / RAG_ADMIN_KEYS to require keys)"
    reading = f"{reads} read key(s)" if reads else "reads open"
    writing = f"{writes} write key(s)" if writes else "writes off (no RAG_ADMIN_KEYS)"
    return f"auth: on - {reading}, {writing}"


SHUTDOWN_GRACE_S = 5


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for this app. X-Forwarded-For is believed only from RAG_TRUSTED_PROXIES
    (uvicorn would believe any process on 127.0.0.1), so callers cannot pick their own address.
    A client gets RAG_HEADER_TIMEOUT_S to send its headers and 5 s idle between requests; on
    SIGTERM, requests in flight get SHUTDOWN_GRACE_S to finish before the server stops."""
    return {
        "access_log": False,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": settings.trusted_proxies or None,
        "http": type("Protocol", (HeaderTimeoutProtocol,), {"timeout": settings.header_timeout_s}),
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": SHUTDOWN_GRACE_S,
    }


def create_app(settings: Settings | None = None, service: RagService | None = None) -> FastAPI:
    """Build the app; pass a ready `service` to share an already loaded index (tests, `rag serve`)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service or RagService(settings)
        if service is None:
            svc.open(build_if_missing=True)
        log.info("%s", auth_summary(settings))
        svc.start_batching()
        svc.watch(corpus=settings.watch)
        app.state.service = svc
        try:
            yield
        finally:
            svc.close()

    app = FastAPI(
        title="News RAG",
        description="Ask questions over news articles; every passage carries its exact source span.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.throttle = Throttle(settings)
    app.state.gate = AnswerGate(settings.max_concurrent_answers, settings.answer_queue_s)
    app.include_router(router(settings))
    app.include_router(watch_router(settings))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
    docs.install(app)
    docs.deployment_schema(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes
    )
    app.add_middleware(HostCheck, hosts=allowed_hosts(settings))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app
