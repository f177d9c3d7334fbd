"""Who may talk to the server from a browser: the Host it answers as, the Origin that may write.

A server on 127.0.0.1 is reachable by every page the user opens. Two guards keep those pages
out: every route refuses a Host header it does not serve as (DNS rebinding makes a foreign page
same-origin under a foreign name), and routes that change the archive refuse a foreign Origin
(a cross-origin multipart POST needs no CORS preflight, so CORS alone does not stop it).
"""

import json
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.config import Settings

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_PASSED = "newsrag.host_ok"


def allowed_hosts(settings: Settings) -> list[str]:
    """Loopback names, the configured listen address (unless it is a wildcard) and the extras."""
    own = [] if settings.host in ("0.0.0.0", "::", "") else [_bracketed(settings.host)]
    return list(dict.fromkeys([*LOOPBACK, *own, *settings.allowed_hosts]))


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class HostCheck:
    """Starlette's TrustedHostMiddleware, answering a refusal with 403 and the setting to change."""

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.hosts = hosts
        self.guard = TrustedHostMiddleware(self._passed, allowed_hosts=hosts, www_redirect=False)

    async def _passed(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_PASSED] = True
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.guard(scope, receive, send)
            return

        async def refusing(message: Message) -> None:
            if scope.get(_PASSED):
                await send(message)
            elif message["type"] == "http.response.start":
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
            else:
                await send({"type": "http.response.body", "body": self._refusal(scope)})

        await self.guard(scope, receive, refusing)

    def _refusal(self, scope: Scope) -> bytes:
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")[:200]
        detail = (
            f"this server does not answer as host {host!r} (it answers as "
            f"{', '.join(self.hosts)}): if you reach it by that name, add it to RAG_ALLOWED_HOSTS"
        )
        return json.dumps({"detail": detail}).encode()


def own_origin(request: Request) -> str:
    """The origin the page was served from: this request's scheme and (already checked) Host."""
    return f"{request.url.scheme}://{request.headers.get('host', '')}".lower()


def writer_origin(request: Request) -> str | None:
    """The origin a browser says a request comes from: Origin, else Referer's; None from scripts."""
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.strip().lower()
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else "null"


async def same_origin(request: Request) -> None:
    """Let a write through from scripts (no Origin), this server's own page, or RAG_CORS_ORIGINS."""
    origin = writer_origin(request)
    if origin is None or origin == own_origin(request):
        return
    settings: Settings = request.app.state.settings
    if origin in (o.rstrip("/").lower() for o in settings.cors_origins):
        return
    raise HTTPException(
        status_code=403,
        detail=f"a page at {origin[:200]!r} may not change this archive (only this server's own "
        f"page, {own_origin(request)}, may): to allow that page, add it to RAG_CORS_ORIGINS",
    )
