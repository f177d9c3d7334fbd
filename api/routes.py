"""HTTP routes; each validates, hands off to the service in a worker thread, and shapes the reply."""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse
from sse_starlette import EventSourceResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.admission import AnswerGate
from api.auth import read_guard, write_guard
from api.errors import documented, status_for
from api.schemas import (
    AnswerRequest,
    AnswerResponse,
    DeleteResponse,
    DocumentsResponse,
    DocumentText,
    FiltersIn,
    GeneratorInfo,
    Health,
    QueryRequest,
    QueryResponse,
    RestoreResponse,
    WriteResponse,
    bounded,
)
from api.throttle import limited
from api.uploads import OPENAPI_BODY, NotAnUpload, read_upload
from rag.answering import Answer
from rag.config import Settings
from rag.errors import RagError
from rag.filters import Filters
from rag.index import DocumentInfo
from rag.service import RagService

STATIC = Path(__file__).parent / "static"


async def get_service(request: Request) -> RagService:
    """Async like every dependency here: FastAPI runs a plain `def` one in a worker thread."""
    return request.app.state.service  # type: ignore[no-any-return]


Service = Annotated[RagService, Depends(get_service)]


def router(settings: Settings) -> APIRouter:
    """Routes whose request schemas carry this deployment's limits."""
    api = APIRouter()
    reads, writes = read_guard(settings), write_guard(settings)
    gate = AnswerGate(settings.max_concurrent_answers)
    query_body = bounded(QueryRequest, settings.max_question_chars)
    answer_body = bounded(AnswerRequest, settings.max_question_chars)

    @api.get("/", include_in_schema=False)
    def page() -> FileResponse:
        """The newsroom page (static modules under /static), for people rather than programs."""
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @api.get(
        "/health",
        response_model=Health,
        responses={503: {"model": Health, "description": "The index on disk cannot be loaded"}},
    )
    async def health(service: Service) -> Any:
        """On the event loop, never behind the thread pool: it must answer under any load."""
        stats = service.stats()
        if stats["status"] != "ok":
            return JSONResponse(jsonable_encoder(Health(**stats)), status_code=503)
        return stats

    @api.post(
        "/query",
        response_model=QueryResponse,
        dependencies=[*reads, limited("query")],
        responses=documented(settings, 400, 413, 415, 429, 503),
    )
    async def query(service: Service, body: Annotated[query_body, Body()]) -> dict[str, Any]:  # type: ignore[valid-type]
        req = cast(QueryRequest, body)
        result = await service.query_async(req.question, req.top_k, req.mode, _filters(req.filters))
        return result.as_dict()

    @api.post(
        "/answer",
        response_model=AnswerResponse,
        dependencies=[*reads, limited("answer")],
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "JSON, or SSE with stream=true",
            },
            **documented(settings, 400, 413, 415, 429, 502, 503),
        },
    )
    async def answer(service: Service, body: Annotated[answer_body, Body()]) -> Any:  # type: ignore[valid-type]
        req = cast(AnswerRequest, body)
        if not gate.try_enter():
            return gate.refusal()
        call = service.stream_answer if req.stream else service.answer
        try:
            result = await run_in_threadpool(
                call, req.question, req.top_k, req.generator, req.mode, _filters(req.filters)
            )
        except BaseException:
            gate.leave()
            raise
        if isinstance(result, Answer):
            gate.leave()
            return result.as_dict()
        return EventSourceResponse(_sse(cast(Iterator[str | Answer], result), gate.leave))

    @api.get(
        "/generators",
        response_model=list[GeneratorInfo],
        dependencies=reads,
        responses=documented(settings),
    )
    def generators(service: Service) -> list[dict[str, Any]]:
        return service.generators()

    @api.get(
        "/documents",
        response_model=DocumentsResponse,
        dependencies=reads,
        responses=documented(settings, 503),
    )
    def documents(service: Service) -> dict[str, Any]:
        index = service.index
        docs = [_document(index.root_of(d), d) for d in index.documents]
        return {
            "documents": docs,
            "skipped": index.manifest["skipped"],
            "excluded": sorted(service.archive.exclusions.ids()),
        }

    @api.get(
        "/documents/{doc_id:path}",
        response_model=DocumentText,
        dependencies=reads,
        responses=documented(settings, 404, 409, 503),
    )
    async def document(service: Service, doc_id: str) -> dict[str, Any]:
        info, text = await run_in_threadpool(service.document, doc_id)
        return {**_document(service.index.root_of(info), info), "text": text}

    @api.post(
        "/documents",
        status_code=201,
        response_model=WriteResponse,
        dependencies=[*writes, limited("write")],
        openapi_extra=OPENAPI_BODY,
        responses={
            200: {"description": "Every document was already indexed with this content"},
            **documented(settings, 400, 409, 413, 415, 422, 429, 503, 507, write=True),
        },
    )
    async def add_documents(request: Request, response: Response, service: Service) -> Any:
        try:
            files = await read_upload(request)
        except NotAnUpload:
            detail = (
                "send JSON {'doc_id', 'text'} (Content-Type: application/json) or multipart files"
            )
            return JSONResponse({"detail": detail}, status_code=415)
        result = await run_in_threadpool(service.add, files)
        response.status_code = 201 if result.changed else 200
        written = [
            {"doc_id": doc_id, "status": status, "chunks": info.chunks, "articles": info.articles}
            for doc_id, status, info in result.documents
        ]
        return {
            "documents": jsonable_encoder(written),
            "generation": result.report.generation,
            "summary": result.report.summary(),
        }

    @api.delete(
        "/documents/{doc_id:path}",
        response_model=DeleteResponse,
        dependencies=[*writes, limited("write")],
        responses=documented(settings, 404, 409, 422, 429, 503, 507, write=True),
    )
    async def delete_document(service: Service, doc_id: str) -> dict[str, Any]:
        report = await run_in_threadpool(service.delete, doc_id)
        return {
            "deleted": doc_id,
            "generation": report.generation,
            "summary": report.summary(),
            "kept_on_disk": doc_id in service.archive.exclusions.ids(),
        }

    @api.post(
        "/documents/{doc_id:path}/restore",
        response_model=RestoreResponse,
        dependencies=[*writes, limited("write")],
        responses=documented(settings, 404, 409, 422, 429, 503, 507, write=True),
    )
    async def restore_document(service: Service, doc_id: str) -> dict[str, Any]:
        """Bring back a corpus file that DELETE left out of the archive (its file never left)."""
        report = await run_in_threadpool(service.restore, doc_id)
        return {"restored": doc_id, "generation": report.generation, "summary": report.summary()}

    return api


async def _sse(
    events: Iterator[str | Answer], done: Callable[[], None]
) -> AsyncIterator[dict[str, str]]:
    """Answer pieces as `token` events, then `done` with the citations; a failure becomes `error`.
    `done` runs however the stream ends, a client hanging up included."""
    try:
        async for item in iterate_in_threadpool(events):
            if isinstance(item, Answer):
                yield {"event": "done", "data": json.dumps(item.as_dict(), ensure_ascii=False)}
            else:
                yield {"event": "token", "data": json.dumps(item, ensure_ascii=False)}
    except RagError as exc:
        yield {
            "event": "error",
            "data": json.dumps({"status": status_for(exc), "detail": str(exc)}),
        }
    finally:
        done()


def _document(root: Path, info: DocumentInfo) -> dict[str, Any]:
    return {
        "doc_id": info.doc_id,
        "path": str(root / info.doc_id),
        "sha256": info.sha256,
        "chars": info.chars,
        "chunks": info.chunks,
        "format": info.format,
        "pages": [list(p) for p in info.pages],
        "uploaded": info.uploaded,
        "articles": [vars(a) for a in info.articles],
    }


def _filters(given: FiltersIn | None) -> Filters:
    if given is None:
        return Filters()
    return Filters(
        doc_ids=tuple(given.doc_ids or ()),
        published_from=given.published_from,
        published_to=given.published_to,
        outlets=tuple(given.outlets or ()),
    )
