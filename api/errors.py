"""The one place where library errors become HTTP status codes."""

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from rag import errors

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
    errors.InvalidDocumentError: 422,
    errors.StaleDocumentError: 409,
    errors.StorageError: 503,
    errors.StorageFullError: 507,
    errors.MissingDependencyError: 503,
    errors.CorpusError: 503,
}


def status_for(exc: errors.RagError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


class AsciiJSONResponse(JSONResponse):
    """JSON escaped to ASCII, so echoed input with lone surrogates still encodes."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


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

    @app.exception_handler(errors.RagError)
    async def rag_error(_: Request, exc: errors.RagError) -> JSONResponse:
        status = status_for(exc)
        if status == 422:  # the same list shape as request validation errors
            detail: Any = [{"type": "invalid_query", "loc": ["body"], "msg": str(exc)}]
            return JSONResponse({"detail": detail}, status_code=status)
        return JSONResponse({"detail": str(exc)}, status_code=status)
