"""The index folder on disk: immutable generations, a CURRENT pointer, one writer at a time.

    index_dir/
      .newsrag-index    marker: this folder is ours, so generations in it may be replaced
      CURRENT           the generation readers load, e.g. "gen-000007-3fa9c2d1"
      gen-000007-.../   manifest.json, chunks.jsonl, documents.json, vectors.faiss, bm25/
      write.lock        held by the one writer (filelock), the CLI and the server alike

A generation is written into a staging folder, renamed to its final name, and only then named
in CURRENT (os.replace), so a reader always loads a whole generation and `kill -9` at any
moment leaves the previous one serving. Only a missing folder, an empty one, or one of ours
is ever written to: nothing the service did not create is moved or deleted.
"""

import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from rag.errors import IndexBusyError, IndexDirError
from rag.index.integrity import MANIFEST

MARKER = ".newsrag-index"
CURRENT = "CURRENT"
LOCK = "write.lock"
KEEP = 2  # the current generation and the one before it, for readers still loading that one
_GENERATION = re.compile(r"gen-(\d{6,})-[0-9a-f]{8}")
_STAGING = ".staging-"
_LEGACY = (MANIFEST, "chunks.jsonl", "documents.json", "vectors.faiss", "bm25")
_MANIFEST_KEYS = frozenset({"format_version", "model", "dim", "chunker", "corpus_root"})


def is_manifest(path: Path) -> bool:
    """True when `path` is a manifest written by this project (not any manifest.json)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and _MANIFEST_KEYS <= manifest.keys()


def current_generation(folder: Path) -> Path | None:
    """The generation folder CURRENT names (None without a CURRENT); loading verifies it."""
    try:
        name = (Path(folder) / CURRENT).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return Path(folder) / (name or "(empty)")


def is_generation(path: Path) -> bool:
    """True when `path` is named and laid out as a generation folder."""
    return bool(_GENERATION.fullmatch(path.name)) and path.is_dir()


def index_exists(folder: Path) -> bool:
    """True when `folder` holds a finished index of ours (a missing or empty folder: build one)."""
    return current_generation(folder) is not None or is_legacy(folder)


def is_legacy(folder: Path) -> bool:
    """A format-1 index: the files lay directly in the folder, with no generations."""
    return is_manifest(Path(folder) / MANIFEST) and not (Path(folder) / CURRENT).exists()


def _is_ours(folder: Path) -> bool:
    return (folder / MARKER).is_file() or is_manifest(folder / MANIFEST)


def check_writable(folder: Path) -> Path:
    """Return the real index folder, refusing one that holds anything but our index.

    Pointing RAG_INDEX_DIR at a folder of articles must never touch them.
    """
    real = Path(folder).resolve()
    if real.exists() and not real.is_dir():
        raise IndexDirError(
            f"Index folder {str(folder)!r} is a file, not a folder: set RAG_INDEX_DIR to a new or empty folder"
        )
    if real.is_dir() and not _is_ours(real) and any(real.iterdir()):
        raise IndexDirError(
            f"Refusing to write an index into {str(folder)!r}: it holds files that are not an "
            f"index of ours (no {MANIFEST} or {MARKER} of ours), and nothing in it will be "
            "touched; set RAG_INDEX_DIR to a new or empty folder"
        )
    return real


@contextmanager
def writing(folder: Path, timeout_s: float) -> Iterator[Path]:
    """Hold the write lock of an index folder for one update; yields the real folder."""
    real = check_writable(folder)
    real.mkdir(parents=True, exist_ok=True)
    (real / MARKER).touch()
    lock = FileLock(real / LOCK, timeout=timeout_s)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IndexBusyError(
            f"Another update of {str(folder)!r} has held its write lock for over {timeout_s:g} s: "
            "wait for it to finish, or raise RAG_LOCK_TIMEOUT_S"
        ) from exc
    try:
        _sweep(real)
        yield real
    finally:
        lock.release()


def staging_folder(folder: Path) -> Path:
    """A fresh, uniquely named folder inside the index folder to write a generation into."""
    return Path(tempfile.mkdtemp(prefix=_STAGING, dir=folder))


def publish(folder: Path, staging: Path) -> Path:
    """Make a fully written staging folder the current generation; drop the old ones."""
    numbers = [int(m.group(1)) for m in map(_GENERATION.fullmatch, _names(folder)) if m]
    generation = folder / f"gen-{max(numbers, default=0) + 1:06d}-{secrets.token_hex(4)}"
    os.rename(staging, generation)
    pointer = folder / f"{CURRENT}.tmp"
    pointer.write_text(generation.name, encoding="utf-8")
    os.replace(pointer, folder / CURRENT)
    _prune(folder, generation)
    for name in _LEGACY:  # a format-1 index this generation replaces
        path = folder / name
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    return generation


def _names(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _sweep(folder: Path) -> None:
    """Remove what a killed writer left: staging folders and a half-written pointer."""
    for name in _names(folder):
        if name.startswith(_STAGING):
            shutil.rmtree(folder / name, ignore_errors=True)
    (folder / f"{CURRENT}.tmp").unlink(missing_ok=True)


def _prune(folder: Path, current: Path) -> None:
    numbered = sorted(
        (int(m.group(1)), m.group(0))
        for m in map(_GENERATION.fullmatch, _names(folder))
        if m and m.group(0) != current.name
    )
    for _, name in numbered[: max(0, len(numbered) - (KEEP - 1))]:
        shutil.rmtree(folder / name, ignore_errors=True)
