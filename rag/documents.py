"""Load a corpus folder into Documents whose text indexes the file exactly as it is on disk."""

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.errors import CorpusError

TEXT_SUFFIXES = frozenset({".txt", ".md"})


@dataclass(frozen=True)
class Document:
    """One corpus file. `text[start:end]` is what open(path, encoding="utf-8", newline="") reads."""

    doc_id: str
    path: Path
    text: str
    sha256: str


@dataclass(frozen=True)
class SkippedFile:
    """A file left out of the index, and why, so the user can fix it."""

    doc_id: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    """The readable documents of a folder plus the files that were skipped."""

    root: Path
    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]


def load_corpus(root: Path) -> Corpus:
    """Read every .txt/.md file under `root`, skipping (and reporting) what cannot be indexed."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(
            f"Corpus folder {str(root)!r} does not exist: create it or set RAG_CORPUS_DIR"
        )
    real_root = root.resolve()
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in _walk(root):
        doc_id = path.relative_to(root).as_posix()
        result = _read(path, real_root, doc_id)
        if isinstance(result, SkippedFile):
            skipped.append(result)
        else:
            documents.append(result)
    return Corpus(root=root, documents=tuple(documents), skipped=tuple(skipped))


def _walk(root: Path) -> Iterator[Path]:
    """Yield candidate files in a stable order; links to folders are never followed."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if not name.startswith(".") and path.suffix.lower() in TEXT_SUFFIXES:
                yield path


def _read(path: Path, real_root: Path, doc_id: str) -> Document | SkippedFile:
    if path.is_symlink() and not path.resolve().is_relative_to(real_root):
        return SkippedFile(doc_id, "link pointing outside the corpus folder; not followed")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SkippedFile(doc_id, f"unreadable: {exc.strerror or exc}")
    if b"\x00" in data:
        return SkippedFile(doc_id, "binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return SkippedFile(
            doc_id, f"not valid UTF-8 (bad byte at offset {exc.start}); re-save it as UTF-8"
        )
    if not text.replace("\ufeff", "").strip():
        return SkippedFile(doc_id, "empty file")
    return Document(doc_id, path, text, hashlib.sha256(data).hexdigest())
