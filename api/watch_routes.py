"""Questions that watch the archive over HTTP: save one, list them with their changes, read one's
history, stop watching. Saving and removing change the server's state, so, like uploads, only
this server's own page or a script may (a foreign page may not); a read key is enough."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.concurrency import run_in_threadpool

from api.auth import read_guard
from api.errors import documented
from api.origins import same_origin
from api.routes import Service, bounded_body, filters_of
from api.throttle import limited
from api.workbench_schemas import WatchList, WatchRemoved, WatchRequest
from rag.config import Settings
from rag.workbench.watches.base import Watch


async def add_watch(service: Service, body: Annotated[WatchRequest, Body()]) -> Watch:
    """Save a question; it is answered now, and again after every index update."""
    return await run_in_threadpool(service.watch_question, body.question, filters_of(body.filters))


async def list_watches(service: Service) -> dict[str, Any]:
    """Every watched question, the most recently changed first, each with its changes."""
    return {"watches": await run_in_threadpool(service.watched.all)}


async def get_watch(service: Service, watch_id: str) -> Watch:
    """One watched question, its last answer and its history of changes."""
    return await run_in_threadpool(service.watched.get, watch_id)


async def remove_watch(service: Service, watch_id: str) -> dict[str, str]:
    await run_in_threadpool(service.watched.remove, watch_id)
    return {"removed": watch_id}


def watch_router(settings: Settings) -> APIRouter:
    api = APIRouter()
    reads = read_guard(settings)
    changes = [*reads, Depends(same_origin), limited("write")]
    route = api.add_api_route
    route("/watches", bounded_body(add_watch, settings), methods=["POST"], status_code=201,
          response_model=Watch, dependencies=[*changes, limited("answer")],
          responses=documented(settings, 400, 403, 409, 413, 415, 422, 429, 503))  # fmt: skip
    route("/watches", list_watches, response_model=WatchList, dependencies=reads,
          responses=documented(settings, 503))  # fmt: skip
    route("/watches/{watch_id}", get_watch, response_model=Watch, dependencies=reads,
          responses=documented(settings, 404, 503))  # fmt: skip
    route("/watches/{watch_id}", remove_watch, methods=["DELETE"], response_model=WatchRemoved,
          dependencies=changes, responses=documented(settings, 403, 404, 429, 503))  # fmt: skip
    return api
