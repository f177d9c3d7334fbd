"""The one place where library errors become HTTP status codes."""

import json
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from rag import errors
from rag.config import Settings

STATUS: dict[type[errors.RagError], int] = {
    errors.InvalidQueryError: 422,
    errors.UnknownComponentError: 400,
    errors.GeneratorError: 502,
    errors.IndexNotFoundError: 503,
    errors.IndexMismatchError: 503,
    errors.IndexDirError: 503,
    errors.IndexBusyError: 503,
    errors.IndexCorruptError: 503,
    errors.DocumentNotFoundError: 404,
    errors.WatchNotFoundError: 404,
    errors.InvalidDocumentError: 422,
    errors.StaleDocumentError: 409,
    errors.ConflictError: 409,
    errors.StorageError: 503,
    errors.StorageFullError: 507,
    errors.MissingDependencyError: 503,
    errors.ConfigError: 503,
    errors.CorpusError: 503,
}


class ErrorBody(BaseModel):
    detail: str = Field(description="What is wrong, and how to fix it")


class InvalidBody(BaseModel):
    detail: list[dict[str, Any]] = Field(description="One {loc, msg, type, input} per problem")


DESCRIPTIONS = {
    400: "Body is not valid JSON text, or an unknown generator (the reply lists them)",
    401: "Missing or wrong API key",
    403: "A foreign page's write (RAG_CORS_ORIGINS), or a key that may only read (RAG_ADMIN_KEYS)",
    404: "No such document (or watched question)",
    409: "Conflicts with the archive's state (a stale file, the last document, a record, a "
    "corpus file an upload would overwrite, as many watched questions as RAG_MAX_WATCHES)",
    413: "Request body too large",
    415: "Body is not JSON (or, for uploads, multipart form data)",
    422: "Invalid input; the detail names each problem",
    429: "Rate limit reached; retry after Retry-After seconds",
    502: "The language model failed or timed out",
    503: "Index missing, damaged or busy, or answers or uploads at capacity (then with "
    "Retry-After)",
    507: "Disk full; nothing was stored",
}


def documented(settings: Settings, *codes: int, write: bool = False) -> dict[int | str, Any]:
    """OpenAPI `responses` for the error statuses a route can return under these settings."""
    found = set(codes)
    if settings.api_keys or (write and settings.admin_keys):
        found |= {401, 429}  # 429: too many failed key checks from one address
    if write:
        found.add(403)
    return {
        code: {
            "model": InvalidBody if code == 422 else ErrorBody,
            "description": DESCRIPTIONS[code],
        }
        for code in sorted(found)
    }


def status_for(exc: errors.RagError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


class AsciiJSONResponse(JSONResponse):
    """JSON escaped to ASCII, so echoed input with lone surrogates still encodes; numbers JSON
    cannot carry (NaN, Infinity, 1e400 read as infinity) are echoed as strings."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            _finite(content), ensure_ascii=True, separators=(",", ":"), allow_nan=False
        ).encode("ascii")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} (not a finite number)"
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


ECHO_CHARS = 80
NOT_JSON = "request body must be JSON: send it with 'Content-Type: application/json'"


def short(value: Any) -> Any:
    """What a client sent, cut to a short prefix: an error never echoes a whole body back."""
    if isinstance(value, str | bytes):
        text = value if isinstance(value, str) else value.decode("utf-8", "replace")
        return text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + f"… ({len(text)} chars)"
    if isinstance(value, dict | list):
        text = json.dumps(jsonable_encoder(value), ensure_ascii=False)
        return value if len(text) <= ECHO_CHARS else short(text)
    return value


def _is_json(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if not _is_json(request) and any(tuple(e["loc"]) == ("body",) for e in problems):
            return JSONResponse({"detail": NOT_JSON}, status_code=415)
        detail = [{**e, "input": short(e.get("input"))} for e in problems]
        return AsciiJSONResponse({"detail": jsonable_encoder(detail)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code != 405:
            return await http_exception_handler(request, exc)
        allowed = sorted(
            method
            for route in app.router.routes
            if isinstance(route, APIRoute) and route.matches(request.scope)[0] != Match.NONE
            for method in route.methods or ()
        )
        return JSONResponse(
            {"detail": f"{request.method} is not allowed here: use {', '.join(allowed)}"},
            status_code=405,
            headers={"Allow": ", ".join(allowed)},
        )

    @app.exception_handler(errors.RagError)
    async def rag_error(_: Request, exc: errors.RagError) -> JSONResponse:
        status = status_for(exc)
        if status == 422:  # the same list shape as request validation errors
            detail: Any = [{"type": "invalid_query", "loc": ["body"], "msg": str(exc)}]
            return JSONResponse({"detail": detail}, status_code=status)
        retry = getattr(exc, "retry_after_s", None)
        headers = {"Retry-After": str(retry)} if retry is not None else None
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)
