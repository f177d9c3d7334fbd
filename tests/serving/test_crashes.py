"""kill -9 at any moment of an update or an upload: the previous index keeps serving, and an
upload that was never acknowledged never reappears."""

import contextlib
import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx

from eval.bench_http import free_port, start_server
from rag.index import load_index
from tests.conftest import ROOT, SEEDS, read_exact
from tests.formats import BEEKEEPER, write_corpus


def test_kill_9_during_an_update_leaves_a_working_index(run_cli, seed_service, tmp_path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus)
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index)}
    assert run_cli("index", env=env).returncode == 0
    served = load_index(index, seed_service.settings, seed_service.embedder)
    paragraphs = [p for f in sorted(SEEDS.glob("*.txt")) for p in read_exact(f).split("\n\n")]
    for i, text in enumerate(p for p in paragraphs if len(p) > 400):
        (corpus / "bulk" / f"{i:03d}.txt").parent.mkdir(exist_ok=True)
        (corpus / "bulk" / f"{i:03d}.txt").write_text(text)
    rag = str(ROOT / ".venv" / "bin" / "rag")
    for moment in ("start-up", "embedding", "random"):
        proc = subprocess.Popen(
            [rag, "index"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        if moment == "start-up":
            time.sleep(0.5)
        elif moment == "embedding":  # the progress bar shows: surely mid-update
            seen = b""
            while b"Embedding" not in seen and proc.poll() is None:
                seen += proc.stderr.read1(256)  # type: ignore[union-attr]
        else:
            time.sleep(random.uniform(1.0, 12.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        still = load_index(index, seed_service.settings, seed_service.embedder)
        if moment != "random":
            assert still.generation == served.generation, moment
            assert len(still.chunks) == len(served.chunks)
        else:  # it may have finished first: then the new generation must be whole
            assert still.generation == served.generation or len(still.documents) > len(
                served.documents
            )
    recovered = run_cli("index", env=env)
    assert recovered.returncode == 0 and "+" in recovered.stdout, recovered.stderr
    assert not [p for p in index.iterdir() if p.name.startswith(".staging")]
    final = load_index(index, seed_service.settings, seed_service.embedder)
    assert len(final.documents) > len(served.documents)


def test_an_upload_killed_before_its_answer_never_becomes_a_ghost(tmp_path: Path) -> None:
    """kill -9 while an upload is being indexed: after a restart the upload is neither in the
    index nor in the uploads folder, because it was never acknowledged."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus)
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index)}
    big = "\n\n".join(p for f in sorted(SEEDS.glob("*.txt")) for p in read_exact(f).split("\n\n"))
    for _attempt in range(8):  # the window (stored, not yet indexed) is short: try until caught
        port = free_port()
        server = start_server(port, env)
        url = f"http://127.0.0.1:{port}"
        sender = threading.Thread(target=_upload_and_lose, args=(url, big), daemon=True)
        sender.start()
        deadline = time.monotonic() + 60
        while not _stored_not_indexed(index) and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        if _stored_not_indexed(index):
            break  # killed mid-update, as intended
    assert _stored_not_indexed(index), "the kill missed the window between storing and indexing"
    port = free_port()
    server = start_server(port, env)
    try:
        listed = [
            d["doc_id"] for d in httpx.get(f"http://127.0.0.1:{port}/documents").json()["documents"]
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "ghost.txt" not in listed and not (index / "uploads" / "ghost.txt").exists()
    assert not list((index / "pending").glob("*"))


def _stored_not_indexed(index: Path) -> bool:
    """The journal is written before the file, so both must be seen (the CI once killed between)."""
    journaled = bool(list((index / "pending").glob("*.json")))
    return journaled and (index / "uploads" / "ghost.txt").exists()


def _upload_and_lose(url: str, text: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
        httpx.post(f"{url}/documents", json={"doc_id": "ghost.txt", "text": text}, timeout=300)


def _upload_and_lose(url: str, text: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
        httpx.post(f"{url}/documents", json={"doc_id": "ghost.txt", "text": text}, timeout=300)


def test_reading_an_upload_while_it_is_replaced_never_conflicts(live_url: str) -> None:
    first = {"doc_id": "bees.txt", "text": BEEKEEPER}
    assert httpx.post(f"{live_url}/documents", json=first).status_code == 201
    stop = threading.Event()
    codes: list[int] = []

    def read() -> None:
        while not stop.is_set():
            codes.append(httpx.get(f"{live_url}/documents/bees.txt").status_code)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(5):
            text = BEEKEEPER.replace("2.3 tonnes", f"{n + 3}.1 tonnes")
            assert (
                httpx.post(
                    f"{live_url}/documents", json={"doc_id": "bees.txt", "text": text}, timeout=60
                ).status_code
                == 201
            )
    finally:
        stop.set()
        reader.join()
    assert codes and set(codes) == {200}
