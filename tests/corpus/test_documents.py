"""Corpus loading: exact text, hashes, and bad files reported instead of crashing the build."""

import hashlib
from pathlib import Path

import pytest

from rag.corpus.documents import load_corpus
from rag.errors import CorpusError
from tests.conftest import SEEDS, read_exact
from tests.formats import make_messy_corpus


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
