"""`rag serve`: registered with the CLI through the `newsrag.commands` entry point, so the
library never imports the HTTP layer."""

import argparse
import errno
import logging
import os
import socket
import sys
import threading
from typing import Any

from rag.cli import print_report, quiet_libraries
from rag.config import Settings
from rag.errors import ServeError
from rag.service import RagService


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the HTTP API (builds the index first if there is none)")
    p.add_argument("--host", default=None, help="address to listen on (default: RAG_HOST)")
    p.add_argument("--port", type=int, default=None, help="port (default: RAG_PORT, 8000)")
    p.add_argument(
        "--watch",
        action="store_true",
        default=None,
        help="re-index when files in the corpus folder change (default: RAG_WATCH)",
    )
    p.set_defaults(handler=serve)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app, server_options
    from rag.serving.memory import tune_allocator

    host, port = args.host or settings.host, args.port or settings.port
    settings = settings.model_copy(update={"host": host, "port": port})
    check_port_free(host, port)
    tune_allocator()
    service = RagService(settings)
    if not service.has_index():
        print(
            f"No index in {service.home.label!r}: building one over "
            f"{str(settings.corpus_dir)!r} (RAG_CORPUS_DIR) first",
            file=sys.stderr,
        )
        print_report(service, service.update(progress=True))
    service.open()
    print(f"Serving {service.stats()['chunks']} chunks on http://{host}:{port} (docs at /docs)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet_libraries()
    if args.watch is not None:
        settings = settings.model_copy(update={"watch": args.watch})
    app = create_app(settings, service)
    uvicorn.run(app, host=host, port=port, log_level="info", **server_options(settings))
    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if busy:  # a worker still indexing a file: its writes are journaled, undone at the next start
        print(f"Stopped with {len(busy)} worker(s) still busy; their unfinished updates are "
              "undone when the server starts again", file=sys.stderr, flush=True)  # fmt: skip
        sys.stdout.flush()
        os._exit(0)
    return 0


def check_port_free(host: str, port: int) -> None:
    """Fail before any slow start-up when another program already listens on host:port."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot serve on host {host!r}: {exc.strerror}") from exc
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ServeError(f"cannot serve on {host}:{port}: {exc.strerror}") from exc
            raise ServeError(
                f"port {port} on {host} is already in use (another `rag serve`?): stop that "
                f"program, or pick another port with `make run PORT={port + 1}`, "
                f"`rag serve --port {port + 1}` or RAG_PORT={port + 1}"
            ) from exc
