"""ASGI middleware: request ids with one access-log line each, and a request body size cap."""

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("rag.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


# The page loads nothing from elsewhere; the policy makes that a promise the browser keeps.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """nosniff, a referrer policy and no framing on every response; the page's CSP on every
    HTML response that does not bring a policy of its own (the page at / and under /static)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(k, v) for k, v in ALWAYS if k not in names]
                html = any(
                    k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers
                )
                if html and b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", PAGE_POLICY.encode()))
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, headed)


def logged_path(scope: Scope) -> str:
    """The path as the client sent it, percent-encoded, so no request can forge a log line."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope["path"]
    return "".join(c if c.isprintable() and c != " " else f"%{ord(c):02X}" for c in path)[:2000]


class AccessLog:
    """Tag each request with an id (X-Request-ID, kept if the client sent a sane one) and log it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        status = 500

        async def tagged_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, tagged_send)
        finally:
            ms = (time.perf_counter() - started) * 1e3
            log.info(
                "%s %s %s %.1fms id=%s", scope["method"], logged_path(scope), status, ms, request_id
            )


class BodyLimit:
    """Refuse bodies over the limit with 413 before they are parsed, declared length or not.

    Uploads (POST /documents) get their own, larger limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") == "/documents"
        limit = self.upload_bytes if upload else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        seen = 0
        refused = False

        async def counted_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit and not refused:
                refused = True
                await self._refuse(send, limit)
                raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:  # the app may try to answer the aborted read; we already did
                await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _TooLarge:
            pass

    async def _refuse(self, send: Send, limit: int) -> None:
        setting = "RAG_MAX_UPLOAD_BYTES" if limit == self.upload_bytes else "RAG_MAX_BODY_BYTES"
        body: dict[str, Any] = {"detail": f"request body is larger than {limit} bytes ({setting})"}
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})


class _TooLarge(Exception):
    pass
