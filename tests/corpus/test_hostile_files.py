"""Hostile corpus files: FIFOs, links, huge and slow files, and pages that point at the network."""

import os
import socket
from pathlib import Path

import httpx
import pytest

from rag.corpus.documents import load_corpus
from rag.errors import CorpusError
from rag.service import RagService
from tests import formats


def test_a_fifo_in_the_corpus_does_not_hang_rag_index(run_cli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    formats.write_corpus(corpus)
    os.mkfifo(corpus / "pipe.txt")
    result = run_cli("index", str(corpus), env={"RAG_INDEX_DIR": str(tmp_path / "index")})
    assert result.returncode == 0, result.stderr
    assert "skipped pipe.txt: not a regular file" in result.stderr


def test_a_file_reached_through_a_link_is_indexed_once(
    seed_service: RagService, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    formats.write_corpus(corpus)
    (corpus / "mirror").mkdir()
    os.symlink(corpus / "harbour.txt", corpus / "mirror" / "same-story.txt")
    loaded = load_corpus(corpus)
    reasons = {s.doc_id: s.reason for s in loaded.skipped}
    assert reasons["mirror/same-story.txt"] == "link to harbour.txt, which is indexed itself"
    service = seed_service.derive(corpus_dir=corpus, index_dir=tmp_path / "index")
    service.update(progress=False)
    hits = service.query("Kestrel Bay ferry storm", 5).passages
    assert [p.doc_id for p in hits].count("harbour.txt") >= 1
    assert not any(p.doc_id.startswith("mirror/") for p in hits)


def test_size_and_time_limits_per_file(seed_service: RagService, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    formats.write_corpus(corpus)
    sentences = (f"Sentence {i} about harbour {i * 7919 % 10007}. " for i in range(20_000))
    (corpus / "huge.txt").write_text("Huge dump\n\n" + "".join(sentences))  # ~1.6 s to chunk
    sized = load_corpus(corpus, max_file_bytes=10_000)
    reasons = {s.doc_id: s.reason for s in sized.skipped}
    assert "over the 0.01 MB limit per file (RAG_MAX_FILE_BYTES)" in reasons["huge.txt"]
    index = tmp_path / "index"
    slow = seed_service.derive(corpus_dir=corpus, index_dir=index, max_file_seconds=0.3)
    report = slow.update(progress=False)
    assert [s["doc_id"] for s in report.skipped] == ["huge.txt"]
    assert "chunking took over 0.3 s (RAG_MAX_FILE_SECONDS)" in report.skipped[0]["reason"]
    assert {d.doc_id for d in report.documents} == {"council.txt", "harbour.txt", "sport/rovers.md"}
    none_left = slow.derive(max_file_seconds=1e-9, index_dir=tmp_path / "other")
    with pytest.raises(
        CorpusError, match=r"huge.txt: (?:reading|splitting and chunking) took over"
    ):
        none_left.update(progress=False)


def test_loaders_never_reach_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    corpus = tmp_path / "corpus"
    formats.mixed_folder(corpus)
    (corpus / "remote.html").write_text(
        '<html><head><link rel="stylesheet" href="http://198.51.100.7/x.css">'
        '<script src="http://198.51.100.7/x.js"></script></head><body><article><p>'
        + "The page loads assets from a server that must never be contacted. " * 10
        + '<img src="http://198.51.100.7/pixel.gif"></p></article></body></html>'
    )
    (corpus / "entity.rss").write_text(
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY ext SYSTEM "http://198.51.100.7/e">]>'
        "<rss><channel><title>T</title><item><title>A</title><description>Entity &ext; "
        "and a long enough description of the harbour to count as text.</description>"
        "</item></channel></rss>"
    )
    loaded = load_corpus(corpus)
    assert attempts == []
    assert "remote.html" in {d.doc_id for d in loaded.documents}


def test_hostile_files_are_skipped_and_never_stop_the_archive(
    run_cli, live: RagService, tmp_path: Path
) -> None:
    """Deep PDF page trees, huge fan-out, JSON nested 100,000 deep, an .eml nested 3,000 deep:
    `rag index` reports each as skipped, and uploads and deletes keep working beside them."""
    from api.app import create_app
    from eval.hostile import write_hostile
    from tests.server import serve

    names = write_hostile(live.settings.corpus_dir)
    env = {
        "RAG_CORPUS_DIR": str(live.settings.corpus_dir),
        "RAG_INDEX_DIR": str(live.settings.index_dir),
    }
    result = run_cli("index", env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    for name in names:
        assert f"skipped {name}" in result.stderr, result.stderr
    assert "nested too deeply" in result.stderr
    with serve(create_app(live.settings, live)) as url:
        added = httpx.post(
            f"{url}/documents", json={"doc_id": "bees.txt", "text": formats.BEEKEEPER}
        )
        assert added.status_code == 201, added.text
        assert httpx.delete(f"{url}/documents/bees.txt").status_code == 200
        for name in names:
            data = (live.settings.corpus_dir / name).read_bytes()
            upload = httpx.post(
                f"{url}/documents", files=[("files", (f"up-{name}", data))], timeout=120
            )
            assert upload.status_code == 422, (name, upload.status_code, upload.text[:300])
            assert "refused" in upload.json()["detail"][0]["msg"]
        assert not list(live.settings.uploads_folder.glob("up-*"))


DANGEROUS = {
    "1200 folders deep": "/".join(["d"] * 1200) + "/deep.txt",
    "hash": "a#b.txt",
    "newline": "line\nbreak.txt",
    "bidi override": "rtl\u202eexe.txt",
    "NFD": "cafe\u0301.txt",  # 'café' spelt with a combining accent
    "2000 chars": "x" * 2000 + ".txt",
}


def test_dangerous_ids_are_refused_by_the_library(live: RagService) -> None:
    from rag.errors import InvalidDocumentError

    for name, doc_id in DANGEROUS.items():
        with pytest.raises(InvalidDocumentError, match="is refused"):
            live.add([(doc_id, b"Title\n\nSome text.\n")])
        assert not live.settings.uploads_folder.exists(), name


@pytest.mark.parametrize(
    "doc_id",
    [v for k, v in DANGEROUS.items() if k != "newline"],  # httpx sends a newline as %0A
    ids=[k for k in DANGEROUS if k != "newline"],
)
def test_dangerous_ids_are_refused_before_any_write(live_url: str, live, doc_id: str) -> None:
    reply = httpx.post(
        f"{live_url}/documents", files=[("files", (doc_id, b"Title\n\nSome text.\n"))]
    )
    assert reply.status_code == 422, reply.text
    uploads = live.settings.uploads_folder
    assert not uploads.exists() or not any(uploads.iterdir())
    again = httpx.post(
        f"{live_url}/documents", json={"doc_id": "ok.txt", "text": "Fine\n\nIt works."}
    )
    assert again.status_code == 201, again.text


def test_a_folder_chain_thousands_deep_in_the_corpus_is_reported(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    formats.write_corpus(corpus)
    chain = [corpus / "d"]
    for _ in range(1200):  # os.makedirs and shutil.rmtree recurse: build and remove by hand
        chain[-1].mkdir()
        chain.append(chain[-1] / "d")
    (chain[-2] / "bottom.txt").write_text("Bottom\n\nThe bottom of a deep folder chain.\n")
    try:
        loaded = load_corpus(corpus)
    finally:
        (chain[-2] / "bottom.txt").unlink()
        for folder in reversed(chain[:-1]):
            folder.rmdir()
    assert any("nested over 32 levels deep" in s.reason for s in loaded.skipped)
    assert {d.doc_id for d in loaded.documents} == {"council.txt", "harbour.txt", "sport/rovers.md"}


def test_files_over_the_chunk_and_record_limits_are_skipped(
    seed_service: RagService, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    formats.write_corpus(corpus)
    (corpus / "many.jsonl").write_text(
        "".join(
            f'{{"id": "{i}", "title": "T{i}", "text": "Record {i} text."}}\n' for i in range(30)
        )
    )
    (corpus / "long.txt").write_text(
        "Long\n\n" + " ".join(f"Word{i} harbour." for i in range(3000))
    )
    service = seed_service.derive(
        corpus_dir=corpus, index_dir=tmp_path / "index", max_records=20, max_file_chunks=10
    )
    report = service.update(progress=False)
    reasons = {s["doc_id"]: s["reason"] for s in report.skipped}
    assert "30 records, over the 20 a file may hold (RAG_MAX_RECORDS)" in reasons["many.jsonl"]
    assert "chunks, over the 10 a file may cost (RAG_MAX_FILE_CHUNKS)" in reasons["long.txt"]


def test_text_without_a_word_to_search_is_one_clear_error(
    run_cli, live_url: str, tmp_path: Path
) -> None:
    """A corpus whose only text has no BM25 token ("Øç©") was a bm25s traceback in `rag index`
    and a 500 over HTTP."""
    corpus = tmp_path / "odd"
    corpus.mkdir()
    (corpus / "odd.txt").write_text("Øç©\n", encoding="utf-8")
    done = run_cli("index", str(corpus), env={"RAG_INDEX_DIR": str(tmp_path / "index")})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: Nothing to index in {str(corpus)!r} (odd.txt: no words to search)"
    )
    note = {"doc_id": "note.txt", "text": "The pier reopened on Monday after repairs."}
    assert httpx.post(f"{live_url}/documents", json=note, timeout=60).status_code == 201
    for doc in httpx.get(f"{live_url}/documents").json()["documents"]:
        if doc["doc_id"] != "note.txt":  # the upload is left the archive's only document
            assert httpx.delete(f"{live_url}/documents/{doc['doc_id']}").status_code == 200
    odd = {"doc_id": "note.txt", "text": "Øç©"}  # replacing it would leave nothing to search
    reply = httpx.post(f"{live_url}/documents", json=odd, timeout=60)
    assert reply.status_code == 422 and "no words to search" in reply.text, reply.text
    assert httpx.post(f"{live_url}/query", json={"question": "pier"}).json()["passages"]


def test_an_upload_mostly_left_out_as_boilerplate_says_so(live_url: str) -> None:
    """A 22 KB upload whose paragraphs repeat was indexed as its title alone, with a bare 201."""
    paragraphs = [
        "The harbour board met on Monday to discuss the dredging of the main channel.",
        "Councillors asked for the cost of the pier repairs to be published in full.",
    ]
    text = "Harbour minutes\n\n" + "\n\n".join(paragraphs * 140)
    assert 20_000 < len(text) < 24_000
    reply = httpx.post(
        f"{live_url}/documents", json={"doc_id": "minutes.txt", "text": text}, timeout=120
    )
    assert reply.status_code == 201, reply.text
    (doc,) = reply.json()["documents"]
    assert doc["left_out"] > len(text) / 2
    assert doc["warning"].startswith(f"{doc['left_out']:,} of its {len(text):,} characters")
    assert "lines repeated within the file" in doc["warning"]
    normal = {
        "doc_id": "note.txt",
        "text": "The pier reopened on Monday after repairs, said the mayor.",
    }
    written = httpx.post(f"{live_url}/documents", json=normal, timeout=60).json()["documents"]
    assert written[0]["warning"] is None
