"""Load a corpus folder into Documents whose text indexes the file exactly as it is on disk."""

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.errors import CorpusError, InvalidDocumentError

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
    for path, reason in _walk(root):
        doc_id = path.relative_to(root).as_posix()
        result = SkippedFile(doc_id, reason) if reason else _read(path, real_root, doc_id)
        if isinstance(result, SkippedFile):
            skipped.append(result)
        else:
            documents.append(result)
    return Corpus(root=root, documents=tuple(documents), skipped=tuple(skipped))


def _walk(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Yield every entry in a stable order, with the reason it is left out (None: read it).

    Links to folders and hidden folders are reported, never walked into.
    """
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in sorted(dirs):
            path = Path(folder) / name
            if path.is_symlink():
                yield path, "link to a folder; not followed (link the files, or move the folder in)"
            elif name.startswith("."):
                yield path, "hidden folder; not walked"
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (Path(folder) / d).is_symlink()
        )
        for name in sorted(files):
            path = Path(folder) / name
            yield path, _unindexable(path)


def _unindexable(path: Path) -> str | None:
    """Why a file is not read at all, judged from its name and kind alone."""
    if path.name.startswith("."):
        return "hidden file; not indexed"
    if path.suffix.lower() not in TEXT_SUFFIXES:
        found = path.suffix.lower() or "(no extension)"
        return f"unsupported format {found}; indexed formats: {', '.join(sorted(TEXT_SUFFIXES))}"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device); only regular files are read"
    return None


def _read(path: Path, real_root: Path, doc_id: str) -> Document | SkippedFile:
    if path.is_symlink() and not path.resolve().is_relative_to(real_root):
        return SkippedFile(doc_id, "link pointing outside the corpus folder; not followed")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SkippedFile(doc_id, f"unreadable: {exc.strerror or exc}")
    problem = unusable(data)
    if problem:
        return SkippedFile(doc_id, problem)
    return Document(doc_id, path, data.decode("utf-8"), hashlib.sha256(data).hexdigest())


def unusable(data: bytes) -> str | None:
    """Why these bytes cannot be indexed as text, or None when they can."""
    if b"\x00" in data:
        return "binary file (contains NUL bytes)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (bad byte at offset {exc.start}); re-save it as UTF-8"
    if not text.replace("\ufeff", "").strip():
        return "empty file"
    return None


def corpus_path(root: Path, doc_id: str) -> Path:
    """The file `doc_id` names inside the corpus folder; ids that could escape it are refused."""
    parts = doc_id.split("/")
    problem = None
    if not doc_id or "\x00" in doc_id or "\\" in doc_id:
        problem = "it is empty or holds a NUL or a backslash"
    elif doc_id.startswith("/") or any(p in ("", ".", "..") for p in parts):
        problem = "it must be a relative path inside the corpus folder, without '..'"
    elif any(p.startswith(".") for p in parts):
        problem = "hidden files and folders are not indexed"
    elif Path(doc_id).suffix.lower() not in TEXT_SUFFIXES:
        problem = f"unsupported format; indexed formats: {', '.join(sorted(TEXT_SUFFIXES))}"
    elif any(len(p.encode()) > 255 for p in parts):
        problem = "a path part is longer than 255 bytes"
    if problem is None:
        path, ancestor = Path(root) / doc_id, Path(root)
        for part in parts:
            ancestor = ancestor / part
            if ancestor.is_symlink():
                problem = f"{ancestor.relative_to(root).as_posix()!r} is a link"
                break
        else:
            if ancestor.exists() and not ancestor.is_file():
                problem = "it names a folder or a special file"
            else:
                return path
    raise InvalidDocumentError(f"doc_id {doc_id[:120]!r} is refused: {problem}")


def decode_upload(doc_id: str, data: bytes) -> str:
    """The text of an uploaded document, or why it cannot be indexed."""
    problem = unusable(data)
    if problem:
        raise InvalidDocumentError(f"{doc_id[:120]!r} is refused: {problem}; nothing was changed")
    return data.decode("utf-8")
