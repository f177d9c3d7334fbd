"""A corpus that changes while it serves: incremental updates through the CLI and over HTTP."""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest

from api.app import create_app
from eval.bench_http import free_port, start_server
from rag.index import load_index
from rag.service import RagService
from tests.conftest import read_exact, snapshot
from tests.formats import ARTICLES, BEEKEEPER, write_corpus
from tests.server import serve


def top_doc(url: str, question: str) -> str:
    body = httpx.post(f"{url}/query", json={"question": question, "top_k": 1}, timeout=60).json()
    return str(body["passages"][0]["source"]["doc_id"])


def generation(url: str) -> str:
    return str(httpx.get(f"{url}/health").json()["generation"])


def test_cli_update_embeds_only_what_changed(run_cli, tmp_path: Path, seed_service) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus)
    env = {"RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index)}
    first = run_cli("index", env=env)
    assert "+3 added, ~0 changed, -0 removed, 0 unchanged" in first.stdout, first.stderr
    before = load_index(index, seed_service.settings, seed_service.embedder)

    (corpus / "bees.txt").write_text(BEEKEEPER)
    (corpus / "council.txt").write_text(ARTICLES["council.txt"].replace("7-2", "8-1"))
    (corpus / "harbour.txt").unlink()
    second = run_cli("index", env=env)
    after = load_index(index, seed_service.settings, seed_service.embedder)
    fresh = sum(d.chunks for d in after.documents if d.doc_id in ("bees.txt", "council.txt"))
    assert f"+1 added, ~1 changed, -1 removed, 1 unchanged; embedded {fresh} chunks" in (
        second.stdout
    ), second.stdout + second.stderr
    kept = set(before.chunk_ids) & set(after.chunk_ids)
    assert kept == {
        i
        for i, c in zip(after.chunk_ids, after.chunks, strict=True)
        if c.doc_id == "sport/rovers.md"
    }
    for cid in kept:
        old = before.store.vectors([before.chunk_ids.index(cid)])
        new = after.store.vectors([after.chunk_ids.index(cid)])
        assert np.array_equal(old, new)

    same = run_cli("index", env=env)
    assert "+0 added, ~0 changed, -0 removed, 3 unchanged; embedded 0 chunks" in same.stdout
    assert (
        load_index(index, seed_service.settings, seed_service.embedder).generation
        == after.generation
    )

    full = run_cli("index", "--full", env=env)
    assert "Full rebuild: a full rebuild was asked for" in full.stderr
    assert f"embedded {len(after.chunks)} chunks" in full.stdout
    resized = run_cli("index", env={**env, "RAG_CHUNK_TOKENS": "100"})
    assert "Full rebuild: chunk_tokens changed (160 -> 100)" in resized.stderr


def test_add_replace_and_delete_over_http_without_a_restart(live_url: str, live) -> None:
    corpus, uploads = live.settings.corpus_dir, live.settings.uploads_folder
    before = snapshot(corpus)
    start = generation(live_url)
    added = httpx.post(f"{live_url}/documents", json={"doc_id": "bees.txt", "text": BEEKEEPER})
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["documents"][0]["status"] == "added" and body["documents"][0]["chunks"] >= 1
    assert body["documents"][0]["articles"][0]["title"] == "Beekeepers report record honey harvest"
    assert body["generation"] != start and generation(live_url) == body["generation"]
    assert top_doc(live_url, "How much heather honey did the beekeepers collect?") == "bees.txt"
    assert (uploads / "bees.txt").read_text() == BEEKEEPER and not (corpus / "bees.txt").exists()
    health = httpx.get(f"{live_url}/health").json()
    assert health["uploads_dir"] == str(uploads.resolve())

    again = httpx.post(f"{live_url}/documents", json={"doc_id": "bees.txt", "text": BEEKEEPER})
    assert again.status_code == 200 and again.json()["documents"][0]["status"] == "unchanged"
    assert again.json()["generation"] == body["generation"]

    reworded = BEEKEEPER.replace("record", "bumper")
    replaced = httpx.post(f"{live_url}/documents", json={"doc_id": "bees.txt", "text": reworded})
    assert replaced.status_code == 201 and replaced.json()["documents"][0]["status"] == "replaced"
    assert (uploads / "bees.txt").read_text() == reworded

    moved = ARTICLES["sport/rovers.md"].replace("Harlow Park", "Castle Meadow")
    refused = httpx.post(f"{live_url}/documents", json={"doc_id": "sport/rovers.md", "text": moved})
    assert refused.status_code == 409 and str(uploads) in refused.json()["detail"]
    assert snapshot(corpus) == before

    deleted = httpx.delete(f"{live_url}/documents/bees.txt")
    assert deleted.status_code == 200 and deleted.json()["deleted"] == "bees.txt"
    assert deleted.json()["kept_on_disk"] is False and not (uploads / "bees.txt").exists()
    assert top_doc(live_url, "How much heather honey did the beekeepers collect?") != "bees.txt"
    assert httpx.delete(f"{live_url}/documents/bees.txt").status_code == 404

    own = httpx.delete(f"{live_url}/documents/harbour.txt")
    assert own.status_code == 200 and own.json()["kept_on_disk"] is True
    listing = httpx.get(f"{live_url}/documents").json()
    assert [d["doc_id"] for d in listing["documents"]] == ["council.txt", "sport/rovers.md"]
    assert listing["excluded"] == ["harbour.txt"] and snapshot(corpus) == before
    assert httpx.delete(f"{live_url}/documents/harbour.txt").status_code == 404
    restored = httpx.post(f"{live_url}/documents/harbour.txt/restore")
    assert restored.status_code == 200, restored.text
    listing = httpx.get(f"{live_url}/documents").json()
    assert [d["doc_id"] for d in listing["documents"]] == [
        "council.txt",
        "harbour.txt",
        "sport/rovers.md",
    ]
    assert listing["excluded"] == [] and snapshot(corpus) == before
    assert httpx.post(f"{live_url}/documents/harbour.txt/restore").status_code == 404


def test_multipart_uploads_and_the_text_view_checks_every_citation(live_url: str) -> None:
    files = [
        ("files", ("bees.txt", BEEKEEPER.encode(), "text/plain")),
        ("files", ("notes/storm.md", b"Storm Idris\n\nStorm Idris closed the pier for days.\n", "text/markdown")),
    ]  # fmt: skip
    response = httpx.post(f"{live_url}/documents", files=files, timeout=60)
    assert response.status_code == 201, response.text
    assert [d["doc_id"] for d in response.json()["documents"]] == ["bees.txt", "notes/storm.md"]
    body = httpx.post(
        f"{live_url}/query", json={"question": "honey harvest record", "top_k": 4}
    ).json()
    for passage in body["passages"]:
        source = passage["source"]
        doc = httpx.get(f"{live_url}/documents/{source['doc_id']}").json()
        assert doc["text"][source["start"] : source["end"]] == passage["text"]
        assert doc["text"] == read_exact(source["path"])
    assert httpx.get(f"{live_url}/documents/nope.txt").status_code == 404


def _file(name: str, data: bytes = b"Some article text.") -> dict:
    return {"files": [("files", (name, data, "text/plain"))]}


def _bad_writes(tmp_path: Path) -> list[tuple[str, dict, int, str]]:
    outside = tmp_path / "outside"
    outside.mkdir()
    return [
        ("dotdot", _file("../escape.txt"), 422, "'..'"),
        ("absolute", _file("/etc/evil.txt"), 422, "relative"),
        ("hidden", _file(".secret.txt"), 422, "hidden"),
        ("format", _file("run.exe"), 422, "unsupported format"),
        ("link", _file("linked/x.txt"), 422, "is a link"),
        ("binary", _file("b.txt", b"PK\x00\x01"), 422, "binary"),
        ("latin1", _file("l.txt", "Caf\xe9".encode("latin-1")), 422, "UTF-8"),
        ("one bad of two", {"files": [("files", ("ok.txt", b"Fine text here.", "text/plain")), ("files", ("../x.txt", b"x", "text/plain"))]}, 422, "'..'"),
        ("json path", {"json": {"doc_id": "../escape.txt", "text": "x"}}, 422, "doc_id must be a .txt or .md path"),
        ("json empty", {"json": {"doc_id": "e.txt", "text": "  \n"}}, 422, "text is empty"),
        ("json nul", {"json": {"doc_id": "n.txt", "text": "a\x00b"}}, 422, "NUL"),
        ("huge", {"json": {"doc_id": "big.txt", "text": "word " * 5_000_000}}, 413, "RAG_MAX_UPLOAD_BYTES"),
        ("extra field", {"json": {"doc_id": "x.txt", "text": "x", "mode": 1}}, 422, "mode"),
        ("not text", {"json": {"doc_id": "x.txt", "text": 5}}, 422, "text"),
        ("form", {"content": b"doc_id=x", "headers": {"content-type": "text/plain"}}, 415, "multipart"),
    ]  # fmt: skip


def test_ids_that_could_escape_the_corpus_are_refused(tmp_path: Path) -> None:
    from rag.corpus.documents import corpus_path
    from rag.errors import InvalidDocumentError

    for doc_id, reason in (("a\x00.txt", "NUL"), ("a\\b.txt", "backslash"), ("a//b.txt", "'..'")):
        with pytest.raises(InvalidDocumentError, match=reason):
            corpus_path(tmp_path, doc_id)


def test_bad_writes_change_nothing_and_say_why(live_url: str, live, tmp_path: Path) -> None:
    corpus = live.settings.corpus_dir
    os.symlink(tmp_path / "outside", corpus / "linked")
    before, start = snapshot(corpus), generation(live_url)
    for name, request, status, mention in _bad_writes(tmp_path):
        response = httpx.post(f"{live_url}/documents", timeout=60, **request)
        assert response.status_code == status, (name, response.text)
        assert mention in response.text, (name, response.text)
        assert snapshot(corpus) == before, name
        assert generation(live_url) == start, name
    assert list((tmp_path / "outside").iterdir()) == []
    assert httpx.delete(f"{live_url}/documents/..%2F..%2Fetc%2Fpasswd").status_code in (404, 422)
    assert httpx.delete(f"{live_url}/documents/never-was.txt").status_code == 404


def test_writes_need_a_write_key(live: RagService) -> None:
    settings = live.settings.model_copy(update={"api_keys": ["reader"], "admin_keys": ["writer"]})
    doc = {"doc_id": "bees.txt", "text": BEEKEEPER}
    with serve(create_app(settings, live)) as url:

        def write(key: str | None) -> httpx.Response:
            headers = {"authorization": f"Bearer {key}"} if key else {}
            return httpx.post(f"{url}/documents", json=doc, headers=headers, timeout=60)

        assert write(None).status_code == 401
        assert write("wrong").status_code == 401
        refused = write("reader")
        assert refused.status_code == 403 and "RAG_ADMIN_KEYS" in refused.json()["detail"]
        assert not (live.settings.corpus_dir / "bees.txt").exists()
        assert write("writer").status_code == 201
        as_reader = {"authorization": "Bearer reader"}
        assert httpx.delete(f"{url}/documents/bees.txt", headers=as_reader).status_code == 403
        as_writer = {"authorization": "Bearer writer"}
        query = httpx.post(f"{url}/query", json={"question": "honey"}, headers=as_writer)
        assert query.status_code == 200
        assert httpx.delete(f"{url}/documents/bees.txt", headers=as_writer).status_code == 200


def test_concurrent_uploads_and_deletes_are_all_applied_sharing_updates(live_url: str) -> None:
    def upload(i: int) -> tuple[int, str]:
        text = f"Village fete number {i}\n\nThe fete in Ashby raised {i * 100 + 17} pounds for the school roof.\n"
        response = httpx.post(
            f"{live_url}/documents", json={"doc_id": f"fete-{i}.txt", "text": text}, timeout=120
        )
        return response.status_code, response.json()["generation"]

    def delete(i: int) -> int:
        return httpx.delete(f"{live_url}/documents/fete-{i}.txt", timeout=120).status_code

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(upload, range(8)))
    assert [status for status, _ in replies] == [201] * 8
    assert len({generation for _, generation in replies}) < 8  # uploads that waited went together
    listed = {d["doc_id"] for d in httpx.get(f"{live_url}/documents").json()["documents"]}
    assert {f"fete-{i}.txt" for i in range(8)} <= listed
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(delete, range(4))) == [200] * 4
    listed = {d["doc_id"] for d in httpx.get(f"{live_url}/documents").json()["documents"]}
    assert {f"fete-{i}.txt" for i in range(8)} & listed == {f"fete-{i}.txt" for i in range(4, 8)}


def test_queries_under_load_while_documents_change_never_fail(live_url: str) -> None:
    stop = threading.Event()
    failures: list[str] = []
    served = [0]

    def ask() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                r = client.post(f"{live_url}/query", json={"question": "ferry storm repairs"})
                if r.status_code != 200 or not r.json()["passages"]:
                    failures.append(r.text)
                served[0] += 1

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for t in askers:
        t.start()
    try:
        for i in range(3):
            doc = {"doc_id": f"load-{i}.txt", "text": f"Load story {i}\n\n{BEEKEEPER}"}
            assert httpx.post(f"{live_url}/documents", json=doc, timeout=120).status_code == 201
        for i in range(2):
            assert (
                httpx.delete(f"{live_url}/documents/load-{i}.txt", timeout=120).status_code == 200
            )
    finally:
        stop.set()
        for t in askers:
            t.join()
    assert failures == [] and served[0] > 20


def test_a_cli_update_is_picked_up_by_a_running_server(run_cli, tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus)
    env = {"RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index)}
    assert run_cli("index", env=env).returncode == 0
    port = free_port()
    server = start_server(port, {**os.environ, **env, "RAG_RELOAD_INTERVAL_S": "0.5"})
    url = f"http://127.0.0.1:{port}"
    try:
        before = generation(url)
        (corpus / "bees.txt").write_text(BEEKEEPER)
        assert run_cli("index", env=env).returncode == 0
        deadline = time.monotonic() + 10
        while generation(url) == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert generation(url) != before
        assert top_doc(url, "heather honey harvest") == "bees.txt"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_watch_reindexes_files_saved_into_the_corpus(live: RagService) -> None:
    settings = live.settings.model_copy(update={"watch": True})
    with serve(create_app(settings, live)) as url:
        before = generation(url)
        (live.settings.corpus_dir / "bees.txt").write_text(BEEKEEPER)
        deadline = time.monotonic() + 30
        while generation(url) == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert top_doc(url, "heather honey harvest") == "bees.txt"
