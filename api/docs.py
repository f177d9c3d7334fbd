"""Swagger UI at /docs from the fastapi-offline package's Swagger UI 5 files (it reads OpenAPI
3.1, which FastAPI writes), so the docs work offline (no CDN)."""

import base64
import hashlib
import importlib.util
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def install(app: FastAPI) -> None:
    """Serve /docs and its scripts and styles from the app itself."""
    app.mount(ASSETS, StaticFiles(directory=_assets()), name="docs-assets")
    redirect = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return with_policy(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} - API docs",
                oauth2_redirect_url=redirect,
                swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS}/favicon.png",
            )
        )

    @app.get(redirect, include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return with_policy(get_swagger_ui_oauth2_redirect_html())


GENERATOR_FIELDS = ("AnswerRequest", "BatchRequest")


def deployment_schema(app: FastAPI) -> None:
    """The OpenAPI schema says what this server accepts: `generator` is one of the generators
    ready here (registered and configured), not any string, so a client (or Schemathesis) never
    meets a body the schema allows and the server refuses."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        schema = default()
        service = getattr(app.state, "service", None)
        if service is not None:
            ready = [g["name"] for g in service.generators.listing() if g["available"]]
            for model in GENERATOR_FIELDS:
                found = schema["components"]["schemas"].get(model, {}).get("properties", {})
                if "generator" in found:
                    found["generator"]["anyOf"] = [
                        {"type": "string", "enum": ready},
                        {"type": "null"},
                    ]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_policy(page: HTMLResponse) -> HTMLResponse:
    """A CSP that allows the page's own inline scripts by their hashes, and nothing else inline."""
    scripts = re.findall(rb"<script>(.*?)</script>", page.body, flags=re.S)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in scripts
    )
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return page


def _assets() -> Path:
    """fastapi-offline's folder of Swagger UI files, found without importing its FastAPI wrapper."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the API docs need fastapi-offline: pip install fastapi-offline")
    return Path(next(iter(spec.submodule_search_locations))) / "static"
