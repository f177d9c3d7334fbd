"""Optional bearer-key auth: on when RAG_API_KEYS holds at least one key."""

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False, description="One of the keys in RAG_API_KEYS")


def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through when auth is off or its bearer key matches a configured one."""
    keys: list[str] = request.app.state.settings.api_keys
    if not keys:
        return
    given = credentials.credentials if credentials else ""
    if not any(secrets.compare_digest(given.encode(), k.encode()) for k in keys):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong API key: send 'Authorization: Bearer <key>' with a key from RAG_API_KEYS",
            headers={"WWW-Authenticate": "Bearer"},
        )


Authorized = Depends(require_key)
