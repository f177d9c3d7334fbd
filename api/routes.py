"""HTTP routes; each validates, hands off to the service in a worker thread, and shapes the reply."""

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import FileResponse
from sse_starlette import EventSourceResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.auth import Authorized
from api.errors import status_for
from api.schemas import (
    AnswerRequest,
    AnswerResponse,
    DocumentsResponse,
    GeneratorInfo,
    Health,
    QueryRequest,
    QueryResponse,
    bounded,
)
from rag.answering import Answer
from rag.config import Settings
from rag.errors import RagError
from rag.service import RagService

STATIC = Path(__file__).parent / "static"


def get_service(request: Request) -> RagService:
    return request.app.state.service  # type: ignore[no-any-return]


Service = Annotated[RagService, Depends(get_service)]


def router(settings: Settings) -> APIRouter:
    """Routes whose request schemas carry this deployment's limits."""
    api = APIRouter()
    query_body = bounded(QueryRequest, settings.max_question_chars)
    answer_body = bounded(AnswerRequest, settings.max_question_chars)

    @api.get("/", include_in_schema=False)
    def page() -> FileResponse:
        """A one-page question box over /answer, for people rather than programs."""
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @api.get("/health", response_model=Health)
    def health(service: Service) -> dict[str, Any]:
        return {"status": "ok", **service.stats()}

    @api.post("/query", response_model=QueryResponse, dependencies=[Authorized])
    async def query(service: Service, body: Annotated[query_body, Body()]) -> dict[str, Any]:  # type: ignore[valid-type]
        req = cast(QueryRequest, body)
        result = await run_in_threadpool(service.query, req.question, req.top_k, req.mode)
        return result.as_dict()

    @api.post(
        "/answer",
        response_model=AnswerResponse,
        dependencies=[Authorized],
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "JSON, or SSE with stream=true",
            }
        },
    )
    async def answer(service: Service, body: Annotated[answer_body, Body()]) -> Any:  # type: ignore[valid-type]
        req = cast(AnswerRequest, body)
        call = service.stream_answer if req.stream else service.answer
        result = await run_in_threadpool(call, req.question, req.top_k, req.generator, req.mode)
        if isinstance(result, Answer):
            return result.as_dict()
        return EventSourceResponse(_sse(cast(Iterator[str | Answer], result)))

    @api.get("/generators", response_model=list[GeneratorInfo], dependencies=[Authorized])
    def generators(service: Service) -> list[dict[str, Any]]:
        return service.generators()

    @api.get("/documents", response_model=DocumentsResponse, dependencies=[Authorized])
    def documents(service: Service) -> dict[str, Any]:
        root = service.index.corpus_root
        docs = [
            {
                "doc_id": d.doc_id,
                "path": str(root / d.doc_id),
                "sha256": d.sha256,
                "chars": d.chars,
                "articles": [vars(a) for a in d.articles],
            }
            for d in service.documents()
        ]
        return {"documents": docs, "skipped": service.index.manifest["skipped"]}

    return api


async def _sse(events: Iterator[str | Answer]) -> AsyncIterator[dict[str, str]]:
    """Answer pieces as `token` events, then `done` with the citations; a failure becomes `error`."""
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
