"""Run an ASGI app on a real uvicorn server on a free loopback port, for the length of a test."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from eval.bench_http import free_port


@contextmanager
def serve(app: object) -> Iterator[str]:
    """Yield the base URL of a live server; stop it afterwards."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
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
