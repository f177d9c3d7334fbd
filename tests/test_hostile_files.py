"""Hostile corpus files: FIFOs, links, huge and slow files, and pages that point at the network."""

import os
import socket
from pathlib import Path

import pytest

from rag.documents import load_corpus
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
    with pytest.raises(CorpusError, match="huge.txt: chunking took over"):
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
