"""A server that cannot be held: a client that never finishes its headers is cut off, a file
of a hundred thousand headings is read and answered in time, and SIGTERM ends `rag serve`
within seconds even while a worker is indexing an upload."""

import os
import signal
import socket
import threading
import time
from pathlib import Path

import httpx

from api.app import SHUTDOWN_GRACE_S, create_app
from eval.bench_http import free_port, start_server
from rag.service import RagService
from tests.formats import write_corpus
from tests.server import serve

HEADINGS = "".join(f"# Heading number {i} here\n" for i in range(22_000))  # 520 KB


def test_a_client_that_never_finishes_its_headers_is_cut_off(live: RagService) -> None:
    service = live.derive(header_timeout_s=1.0)
    with serve(create_app(service.settings, service)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as slow:
            slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            slow.settimeout(10)
            cut = False
            while time.monotonic() - started < 8:
                try:
                    slow.sendall(b"X-Slow: 1\r\n")
                    if slow.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                        cut = True
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    cut = True
                    break
                time.sleep(0.2)
        assert cut and time.monotonic() - started < 4
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200  # others still served


def test_headings_are_read_in_time_and_sigterm_stops_a_busy_server(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    port = free_port()
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_INDEX_DIR": str(tmp_path / "index"),
        "RAG_MAX_FILE_SECONDS": "20",
    }
    server = start_server(port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        reply = httpx.post(
            f"{url}/documents", json={"doc_id": "headings.md", "text": HEADINGS}, timeout=120
        )
        assert reply.status_code in (201, 422), reply.text  # indexed, or refused with a reason
        assert time.monotonic() - started < 30  # 400+ s when splitting was quadratic
        big = "\n\n".join(
            f"Paragraph {i}: the harbour board met on day {i} to discuss the dredging of the "
            f"main channel, the ferry timetable and the cost of pier repairs number {i}."
            for i in range(6000)
        )
        upload = threading.Thread(
            target=lambda: _quietly(
                lambda: httpx.post(
                    f"{url}/documents", json={"doc_id": "big.txt", "text": big}, timeout=120
                )
            ),
            daemon=True,
        )
        upload.start()
        time.sleep(2)  # the worker is embedding the upload
        server.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        server.wait(timeout=SHUTDOWN_GRACE_S + 20)
        assert time.monotonic() - stopped < SHUTDOWN_GRACE_S + 10
    finally:
        if server.poll() is None:
            server.kill()


def _quietly(call):  # type: ignore[no-untyped-def]
    try:
        call()
    except httpx.HTTPError:
        pass  # the server stopped under it: the point of the test
