"""HTTP routes; each validates, hands off to the service in a worker thread, and shapes the reply."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from starlette.concurrency import run_in_threadpool

from api.auth import Authorized
from api.schemas import DocumentsResponse, Health, QueryRequest, QueryResponse, bounded
from rag.config import Settings
from rag.service import RagService


def get_service(request: Request) -> RagService:
    return request.app.state.service  # type: ignore[no-any-return]


Service = Annotated[RagService, Depends(get_service)]


def router(settings: Settings) -> APIRouter:
    """Routes whose request schemas carry this deployment's limits."""
    api = APIRouter()
    query_body = bounded(QueryRequest, settings.max_question_chars)

    @api.get("/health", response_model=Health)
    def health(service: Service) -> dict[str, Any]:
        return {"status": "ok", **service.stats()}

    @api.post("/query", response_model=QueryResponse, dependencies=[Authorized])
    async def query(service: Service, body: Annotated[query_body, Body()]) -> dict[str, Any]:  # type: ignore[valid-type]
        result = await run_in_threadpool(service.query, body.question, body.top_k, body.mode)
        return result.as_dict()

    @api.get("/documents", response_model=DocumentsResponse, dependencies=[Authorized])
    def documents(service: Service) -> dict[str, Any]:
        root = service.index.corpus_root
        docs = [
            {"doc_id": d.doc_id, "path": str(root / d.doc_id), "sha256": d.sha256, "chars": d.chars,
             "articles": [vars(a) for a in d.articles]}
            for d in service.documents()
        ]
        return {"documents": docs, "skipped": service.index.manifest["skipped"]}

    return api
