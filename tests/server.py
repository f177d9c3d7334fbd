"""Run an ASGI app on a real uvicorn server on a free loopback port, for the length of a test."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from api.app import server_options
from eval.bench_http import free_port


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Yield the base URL of a live server, run with `rag serve`'s options; stop it afterwards."""
    port = free_port()
    settings = getattr(app.state, "settings", None)  # a fake model server has none
    options = server_options(settings) if settings else {"access_log": False}
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
