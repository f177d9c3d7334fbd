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


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return AsciiJSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)

    @app.exception_handler(errors.RagError)
    async def rag_error(_: Request, exc: errors.RagError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))
