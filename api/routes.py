"""HTTP routes: plain handlers with Annotated dependencies (FastAPI's style), each validating,
handing off to the service in a worker thread and shaping the reply; `router(settings)` mounts
them with this deployment's guards, limits and documented errors."""

import functools
import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse
from sse_starlette import EventSourceResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.admission import AnswerGate
from api.auth import read_guard, write_guard
from api.document_schemas import (
    DeleteResponse,
    DocumentsResponse,
    DocumentText,
    RestoreResponse,
    WriteResponse,
)
from api.errors import documented, status_for
from api.schemas import (
    AnswerRequest,
    AnswerResponse,
    AskRequest,
    FiltersIn,
    GeneratorInfo,
    Health,
    QueryRequest,
    QueryResponse,
    bounded,
)
from api.throttle import limited
from api.uploads import OPENAPI_BODY, NotAnUpload, read_upload
from api.workbench_schemas import BatchRequest, BatchResponse, TimelineRequest, TimelineResponse
from rag.config import Settings
from rag.errors import RagError
from rag.generation.answering import Answer
from rag.generation.cite import CITE_FORMATS, CiteFormat, export
from rag.index import DocumentInfo
from rag.query import Filters
from rag.service import RagService
from rag.workbench.batch import BatchFormat, BatchQuestion, answer_all, check_size, write
from rag.workbench.followup import Turn

STATIC = Path(__file__).parent / "static"
T = TypeVar("T")


async def get_service(request: Request) -> RagService:
    """Async like every dependency here: FastAPI runs a plain `def` one in a worker thread."""
    return request.app.state.service  # type: ignore[no-any-return]


async def get_gate(request: Request) -> AnswerGate:
    return request.app.state.gate  # type: ignore[no-any-return]


Service = Annotated[RagService, Depends(get_service)]
Gate = Annotated[AnswerGate, Depends(get_gate)]


def page() -> FileResponse:
    """The newsroom page (static modules under /static), for people rather than programs."""
    return FileResponse(STATIC / "index.html", media_type="text/html")


async def health(service: Service) -> Any:
    """On the event loop, never behind the thread pool: it must answer under any load."""
    stats = service.stats()
    if stats["status"] != "ok":
        return JSONResponse(jsonable_encoder(Health(**stats)), status_code=503)
    return stats


async def query(service: Service, body: Annotated[QueryRequest, Body()]) -> dict[str, Any]:
    """The passages that best answer a question, each with its exact source span."""
    result = await service.query_async(
        body.question, body.top_k, body.mode, filters_of(body.filters), body.judge, _turns(body)
    )
    return result.as_dict()


async def answer(service: Service, gate: Gate, body: Annotated[AnswerRequest, Body()]) -> Any:
    """An answer citing the passages, as JSON or streamed; at most RAG_MAX_CONCURRENT_ANSWERS."""
    if not await gate.enter():
        return gate.refusal()
    call = service.stream_answer if body.stream else service.answer
    try:
        result = await run_in_threadpool(
            call,
            body.question,
            body.top_k,
            body.generator,
            body.mode,
            filters_of(body.filters),
            _turns(body),
        )
    except BaseException:
        gate.leave()
        raise
    formats = CITE_FORMATS if body.cite == "all" else (body.cite,) if body.cite else ()
    if isinstance(result, Answer):
        gate.leave()
        return _answer_body(result, formats)
    return EventSourceResponse(_sse(cast(Iterator[str | Answer], result), gate.leave, formats))


def _answer_body(answer: Answer, formats: Sequence[CiteFormat]) -> dict[str, Any]:
    """The answer, with its citations exported in each format asked for."""
    return answer.as_dict({f: export(answer, f) for f in formats})


async def batch(service: Service, gate: Gate, body: Annotated[BatchRequest, Body()]) -> Any:
    """Many questions answered in turn, taking one of the answer slots for the whole list;
    streamed as a `row` event per question when asked."""
    questions = check_size(
        [
            BatchQuestion(n, q.question, filters_of(q.filters))
            for n, q in enumerate(body.questions, 1)
        ]
    )
    if not await gate.enter():
        return gate.refusal()

    def ask(q: BatchQuestion) -> Answer:
        return service.answer(q.question, generator=body.generator, filters=q.filters)

    rows = answer_all(ask, questions)
    if body.stream:
        return EventSourceResponse(_batch_events(rows, len(questions), gate.leave, body.format))
    try:
        answered = await run_in_threadpool(list, rows)
    finally:
        gate.leave()
    return {"rows": answered, "text": write(answered, body.format) if body.format else None}


def _batch_events(
    rows: Iterator[dict[str, Any]], total: int, done: Callable[[], None], style: BatchFormat | None
) -> AsyncIterator[dict[str, str]]:
    """A `row` event per answered question, then `done` with the list rendered when asked."""
    answered: list[dict[str, Any]] = []

    def event(row: dict[str, Any]) -> dict[str, str]:
        answered.append(row)
        data = {"done": len(answered), "total": total, "row": row}
        return {"event": "row", "data": json.dumps(data, ensure_ascii=False)}

    def last() -> dict[str, str]:
        text = write(answered, style) if style else None
        return {"event": "done", "data": json.dumps({"rows": len(answered), "text": text})}

    return _stream(rows, event, done, last)


async def timeline(service: Service, body: Annotated[TimelineRequest, Body()]) -> dict[str, Any]:
    """The passages about a question or name, grouped by their articles' publication days."""
    result = await run_in_threadpool(
        service.timeline, body.question, body.top_k, filters_of(body.filters)
    )
    return result.as_dict()


def generators(service: Service) -> list[dict[str, Any]]:
    return service.generators.listing()


def documents(service: Service) -> dict[str, Any]:
    index = service.index
    return {
        "documents": [_document(index.root_of(d), d) for d in index.documents],
        "skipped": index.manifest["skipped"],
        "excluded": sorted(service.archive.exclusions.ids()),
    }


async def document(service: Service, doc_id: str) -> dict[str, Any]:
    info, text = await run_in_threadpool(service.document, doc_id)
    return {**_document(service.index.root_of(info), info), "text": text}


async def add_documents(request: Request, response: Response, service: Service) -> Any:
    try:
        files = await read_upload(request)
    except NotAnUpload:
        detail = "send JSON {'doc_id', 'text'} (Content-Type: application/json) or multipart files"
        return JSONResponse({"detail": detail}, status_code=415)
    result = await run_in_threadpool(service.add, files)
    response.status_code = 201 if result.changed else 200
    written = [
        {
            "doc_id": doc_id,
            "status": status,
            "chunks": info.chunks,
            "articles": info.articles,
            "left_out": info.left_out,
            "warning": info.warning,
        }
        for doc_id, status, info in result.documents
    ]
    return {
        "documents": jsonable_encoder(written),
        "generation": result.report.generation,
        "summary": result.report.summary(),
    }


async def delete_document(service: Service, doc_id: str) -> dict[str, Any]:
    report = await run_in_threadpool(service.delete, doc_id)
    return {
        "deleted": doc_id,
        "generation": report.generation,
        "summary": report.summary(),
        "kept_on_disk": doc_id in service.archive.exclusions.ids(),
    }


async def restore_document(service: Service, doc_id: str) -> dict[str, Any]:
    """Bring back a corpus file that DELETE left out of the archive (its file never left)."""
    report = await run_in_threadpool(service.restore, doc_id)
    return {"restored": doc_id, "generation": report.generation, "summary": report.summary()}


def router(settings: Settings) -> APIRouter:
    """The handlers above, with this deployment's guards, limits and documented errors."""
    api = APIRouter()
    reads, writes = read_guard(settings), [*write_guard(settings), limited("write")]
    route = api.add_api_route
    route("/", page, include_in_schema=False)
    route("/health", health, response_model=Health, responses=HEALTH_503)
    route("/query", bounded_body(query, settings), methods=["POST"], response_model=QueryResponse,
          dependencies=[*reads, limited("query")],
          responses=documented(settings, 400, 413, 415, 429, 503))  # fmt: skip
    route("/answer", bounded_body(answer, settings), methods=["POST"],
          response_model=AnswerResponse, dependencies=[*reads, limited("answer")],
          responses={200: STREAM, **documented(settings, 400, 413, 415, 429, 502, 503)})  # fmt: skip
    route("/batch", batch, methods=["POST"], response_model=BatchResponse,
          dependencies=[*reads, limited("answer")],
          responses={200: STREAM, **documented(settings, 400, 413, 415, 422, 429, 502, 503)})  # fmt: skip
    route("/timeline", timeline, methods=["POST"], response_model=TimelineResponse,
          dependencies=[*reads, limited("query")],
          responses=documented(settings, 400, 413, 415, 422, 429, 503))  # fmt: skip
    route("/generators", generators, response_model=list[GeneratorInfo], dependencies=reads,
          responses=documented(settings))  # fmt: skip
    route("/documents", documents, response_model=DocumentsResponse, dependencies=reads,
          responses=documented(settings, 503))  # fmt: skip
    route("/documents/{doc_id:path}", document, response_model=DocumentText, dependencies=reads,
          responses=documented(settings, 404, 409, 503))  # fmt: skip
    route("/documents", add_documents, methods=["POST"], status_code=201,
          response_model=WriteResponse, dependencies=writes, openapi_extra=OPENAPI_BODY,
          responses={200: UNCHANGED, **documented(settings, 400, 409, 413, 415, 422, 429, 503,
                                                   507, write=True)})  # fmt: skip
    route("/documents/{doc_id:path}", delete_document, methods=["DELETE"],
          response_model=DeleteResponse, dependencies=writes,
          responses=documented(settings, 404, 409, 422, 429, 503, 507, write=True))  # fmt: skip
    route("/documents/{doc_id:path}/restore", restore_document, methods=["POST"],
          response_model=RestoreResponse, dependencies=writes,
          responses=documented(settings, 404, 409, 422, 429, 503, 507, write=True))  # fmt: skip
    return api


HEALTH_503: dict[int | str, dict[str, Any]] = {
    503: {"model": Health, "description": "The index on disk cannot be loaded"}
}
STREAM = {"content": {"text/event-stream": {}}, "description": "JSON, or SSE with stream=true"}
UNCHANGED = {"description": "Every document was already indexed with this content"}


def bounded_body(handler: Callable[..., Any], settings: Settings) -> Callable[..., Any]:
    """`handler` as seen by FastAPI with its body model carrying this deployment's question
    length limit (RAG_MAX_QUESTION_CHARS), so the schema and the validation both state it."""
    signature = inspect.signature(handler)
    model = signature.parameters["body"].annotation.__origin__
    limited_body = bounded(model, settings.max_question_chars)
    params = [
        p.replace(annotation=Annotated[limited_body, Body()]) if p.name == "body" else p
        for p in signature.parameters.values()
    ]

    @functools.wraps(handler)
    async def endpoint(*args: Any, **kwargs: Any) -> Any:
        return await handler(*args, **kwargs)

    endpoint.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return endpoint


def _sse(
    events: Iterator[str | Answer], done: Callable[[], None], formats: Sequence[CiteFormat] = ()
) -> AsyncIterator[dict[str, str]]:
    """Answer pieces as `token` events, then `done` with the citations."""

    def event(item: str | Answer) -> dict[str, str]:
        if isinstance(item, Answer):
            body = _answer_body(item, formats)
            return {"event": "done", "data": json.dumps(body, ensure_ascii=False)}
        return {"event": "token", "data": json.dumps(item, ensure_ascii=False)}

    return _stream(events, event, done)


async def _stream(
    items: Iterator[T],
    event: Callable[[T], dict[str, str]],
    done: Callable[[], None],
    last: Callable[[], dict[str, str]] | None = None,
) -> AsyncIterator[dict[str, str]]:
    """Server-sent events from work done in a thread; a failure becomes an `error` event, and
    `done` runs however the stream ends, a client hanging up included."""
    try:
        async for item in iterate_in_threadpool(items):
            yield event(item)
        if last is not None:
            yield last()
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


def filters_of(given: FiltersIn | None) -> Filters:
    return given.to_filters() if given else Filters()


def _turns(body: AskRequest) -> list[Turn]:
    return [t.to_turn() for t in body.conversation or ()]
