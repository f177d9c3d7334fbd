"""Corpus loading: exact text, hashes, and bad files reported instead of crashing the build."""

import hashlib
import os
import time
from pathlib import Path

import pytest

from rag.corpus.documents import load_corpus
from rag.errors import CorpusError
from tests.conftest import SEEDS, read_exact
from tests.formats import html_page, make_messy_corpus


def test_seed_documents_are_exact(tmp_path: Path) -> None:
    corpus = load_corpus(SEEDS)
    assert [d.doc_id for d in corpus.documents] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for doc in corpus.documents:
        assert doc.text == read_exact(doc.path)
        assert doc.sha256 == hashlib.sha256(doc.path.read_bytes()).hexdigest()
    assert corpus.skipped == ()


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    make_messy_corpus(root, tmp_path / "outside.txt")
    corpus = load_corpus(root)
    assert [d.doc_id for d in corpus.documents] == ["good.txt", "sub/crlf.md"]
    reasons = {s.doc_id: s.reason for s in corpus.skipped}
    assert "not valid UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.txt"] and "empty" in reasons["blank.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "outside the corpus" in reasons["escape.txt"]
    crlf = corpus.documents[1]
    assert crlf.text == read_exact(root / "sub" / "crlf.md")
    assert crlf.text.startswith("\ufeff") and "\r\n" in crlf.text


def test_missing_folder_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="RAG_CORPUS_DIR"):
        load_corpus(tmp_path / "nope")


def test_a_walk_reuses_what_unchanged_files_gave_and_rereads_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "page.html").write_text(html_page(), encoding="utf-8")
    (root / "note.txt").write_text("Ferry back\n\nThe ferry ran again on Monday.\n")
    (root / "gone.txt").write_text("Old story\n\nTo be deleted.\n")
    for path in root.iterdir():
        os.utime(path, (time.time() - 60, time.time() - 60))  # a file just written is read again
    first = {d.doc_id: d for d in load_corpus(root).documents}

    (root / "note.txt").write_text("Ferry back\n\nThe ferry ran again on Sunday.\n")  # same size
    (root / "gone.txt").unlink()
    second = {d.doc_id: d for d in load_corpus(root).documents}
    assert second["page.html"] is first["page.html"]  # not parsed again
    assert "Sunday" in second["note.txt"].text and second["note.txt"] is not first["note.txt"]
    assert "gone.txt" not in second

    (root / "gone.txt").write_text("Old story\n\nTo be deleted.\n")
    third = {d.doc_id: d for d in load_corpus(root).documents}
    assert third["gone.txt"] is not first["gone.txt"]  # a deleted file was forgotten
    assert third["gone.txt"].text == first["gone.txt"].text
    fourth = {d.doc_id: d for d in load_corpus(root).documents}
    assert fourth["gone.txt"] is not third["gone.txt"]  # modified in the last 2 s: read again
    assert fourth["page.html"] is first["page.html"]
