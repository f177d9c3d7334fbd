"""The Loader contract, run against every registered format: documents with exact, non-empty
text views and well-formed metadata, the same on every read, and bad bytes refused in words."""

import json
from pathlib import Path

import pytest

from rag import registry
from rag.corpus.loaders.base import Document, SkippedFile, Unreadable
from rag.corpus.metadata import Metadata
from tests import formats

SAMPLES = {
    ".txt": lambda: formats.ARTICLES["harbour.txt"].encode(),
    ".md": lambda: formats.ARTICLES["sport/rovers.md"].encode(),
    ".html": lambda: formats.CHROME.encode(),
    ".htm": lambda: formats.CHROME.encode(),
    ".pdf": lambda: formats.pdf_report(formats.SAFETY_PAGES),
    ".jsonl": lambda: formats.jsonl_dump().encode(),
    ".json": lambda: json.dumps(
        [json.loads(line) for line in formats.jsonl_dump().splitlines()[:2]]
    ).encode(),
    ".xml": lambda: formats.RSS.encode(),
    ".rss": lambda: formats.RSS.encode(),
    ".atom": lambda: formats.ATOM.encode(),
    ".eml": formats.newsletter,
}


def test_every_registered_format_has_a_sample() -> None:
    assert set(SAMPLES) == set(registry.names("loader"))


@pytest.mark.parametrize("ext", sorted(SAMPLES))
def test_documents_have_exact_text_views_and_metadata(ext: str, tmp_path: Path) -> None:
    doc_id = f"folder/sample{ext}"
    path = tmp_path / doc_id
    path.parent.mkdir()
    path.write_bytes(SAMPLES[ext]())
    loader = registry.resolve("loader", ext)()
    found = loader.load(doc_id, path, path.read_bytes())
    documents = [d for d in found if isinstance(d, Document)]
    assert documents and all(isinstance(d, Document | SkippedFile) for d in found)
    for doc in documents:
        assert doc.doc_id == doc_id or doc.doc_id.startswith(doc_id + "#")
        assert doc.text.strip() and doc.format == loader.format
        assert len(doc.sha256) == 64 and isinstance(doc.metadata, Metadata)
        assert all(0 <= s < e <= len(doc.text) for s, e in doc.pages)
        if doc.metadata.published:
            assert len(doc.metadata.published) == 10 and doc.metadata.published[4] == "-"
    again = loader.load(doc_id, path, path.read_bytes())
    assert again == found  # the same bytes always give the same documents and offsets


@pytest.mark.parametrize("ext", sorted(SAMPLES))
def test_bytes_that_are_no_such_file_are_refused_in_words(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"broken{ext}"
    path.write_bytes(b"\xff\xfe\x00garbage\x00" * 20)
    loader = registry.resolve("loader", ext)()
    try:
        found = loader.load(path.name, path, path.read_bytes())
    except Unreadable as exc:
        assert str(exc)
        return
    assert all(isinstance(d, SkippedFile) and d.reason for d in found) or all(
        isinstance(d, Document) for d in found
    )
