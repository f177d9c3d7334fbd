"""Optional bearer-key auth: read keys (RAG_API_KEYS) and write keys (RAG_ADMIN_KEYS).

With no key of either kind configured, everything is open. A write key may also read; a read
key may never write.
"""

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import key_matches
from api.origins import same_origin
from api.throttle import address
from rag.config import Settings

_bearer = HTTPBearer(
    auto_error=False, description="A key from RAG_API_KEYS (read) or RAG_ADMIN_KEYS (read/write)"
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized(request: Request, which: str) -> HTTPException:
    """401, counted against the address's budget of failed checks (429 once it is spent)."""
    request.app.state.throttle.check("auth", address(request))
    return HTTPException(
        status_code=401,
        detail=f"missing or wrong API key: send 'Authorization: Bearer <key>' with a key from {which}",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def require_key(request: Request, credentials: Credentials) -> None:
    """Let a read through when read auth is off or its key is a read or a write key."""
    settings: Settings = request.app.state.settings
    if not settings.api_keys:
        return
    given = credentials.credentials if credentials else ""
    if not key_matches(given, settings.api_keys + settings.admin_keys):
        raise _unauthorized(request, "RAG_API_KEYS")


async def require_write_key(request: Request, credentials: Credentials) -> None:
    """Let a write through only with a write key (or when no keys are configured at all)."""
    settings: Settings = request.app.state.settings
    if not settings.api_keys and not settings.admin_keys:
        return
    given = credentials.credentials if credentials else ""
    if key_matches(given, settings.admin_keys):
        return
    if key_matches(given, settings.api_keys):
        raise HTTPException(
            status_code=403,
            detail="this key may only read: adding and deleting documents needs a key from RAG_ADMIN_KEYS",
        )
    raise _unauthorized(request, "RAG_ADMIN_KEYS")


def read_guard(settings: Settings) -> list[Any]:
    """The read-auth dependency, only when read keys exist, so the schema declares auth truly."""
    return [Depends(require_key)] if settings.api_keys else []


def write_guard(settings: Settings) -> list[Any]:
    """Writes come from this server's own page or a script, and with a write key when keys exist."""
    keyed = settings.api_keys or settings.admin_keys
    return [Depends(same_origin), *([Depends(require_write_key)] if keyed else [])]
