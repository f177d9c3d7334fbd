"""Walk a corpus folder, pick each file's loader by extension, report what is skipped and why."""

import os
import stat
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from rag import registry
from rag.corpus.bounded import TooSlow, too_slow_reason, within
from rag.corpus.loaders.base import Document, SkippedFile, Unreadable
from rag.corpus.outlets import without_outlet_chrome
from rag.corpus.reread import LastWalk, Read
from rag.errors import CorpusError, InvalidDocumentError
from rag.query import file_of

__all__ = ["Corpus", "Document", "SkippedFile", "corpus_path", "check_upload", "load_corpus"]


def supported() -> list[str]:
    """The file extensions a loader is registered for."""
    return registry.names("loader")


@dataclass(frozen=True)
class Corpus:
    """The readable documents of a folder plus the files that were skipped."""

    root: Path
    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]


DEFAULT_MAX_FILE_BYTES = 20_000_000
DEFAULT_MAX_RECORDS = 10_000


EXCLUDED = "removed from the archive; the file stays on disk (undo: rag index --restore ID)"
SHADOWED = "a file of this name is in the corpus folder, and that one is indexed"
_last_walk = LastWalk()  # every update walks the corpus: unchanged files are not parsed again


def load_corpus(
    root: Path,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    uploads: Path | None = None,
    excluded: Collection[str] = (),
    max_records: int = DEFAULT_MAX_RECORDS,
    skip_listings: bool = False,
    max_file_seconds: float | None = None,
) -> Corpus:
    """Read every supported file under `root`, then the uploads folder's, skipping (and
    reporting) what cannot be indexed and the corpus files the user removed from the archive;
    with `skip_listings`, pages that are not articles (homepages, section fronts) too. Lines
    an outlet repeats across its pages are left out of them (rag.corpus.outlets)."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(
            f"Corpus folder {str(root)!r} does not exist: create it or set RAG_CORPUS_DIR"
        )
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    files: set[str] = set()
    with _last_walk.walk() as read:
        limits = (max_file_bytes, max_records, max_file_seconds)
        for found in _read_folder(root, read, limits, excluded, skip_listings):
            files.add(file_of(found.doc_id))
            (skipped if isinstance(found, SkippedFile) else documents).append(found)  # type: ignore[arg-type]
        if uploads is not None and uploads.is_dir():
            for found in _read_folder(uploads, read, limits, (), skip_listings):
                if file_of(found.doc_id) in files:
                    skipped.append(SkippedFile(found.doc_id, SHADOWED))
                elif isinstance(found, SkippedFile):
                    skipped.append(found)
                else:
                    documents.append(replace(found, uploaded=True, stored_view=True))  # see Archive
    documents = without_outlet_chrome(documents)
    return Corpus(root=root, documents=tuple(documents), skipped=tuple(skipped))


def _read_folder(
    root: Path,
    read: Read,
    limits: tuple[int, int, float | None],
    excluded: Collection[str],
    skip_listings: bool = False,
) -> Iterator[Document | SkippedFile]:
    """Every file's documents, or why it is left out; a removed file is not even read.
    `limits`: bytes and records a file may have, seconds its reading may take."""
    max_file_bytes, max_records, seconds = limits
    real_root = root.resolve()
    for path, reason in _walk(root, max_file_bytes):
        doc_id = path.relative_to(root).as_posix()
        if doc_id in excluded:
            reason = EXCLUDED
        if reason:
            yield SkippedFile(doc_id, reason)
            continue
        found = read(doc_id, path, partial(_read, path, real_root, doc_id, seconds))
        if len(found) > max_records:
            yield SkippedFile(doc_id, too_many(len(found), max_records))
        else:
            yield from (listing_skipped(d) if skip_listings else d for d in found)


LISTING = (
    "a homepage, section front or search page, not an article (RAG_LISTING_PAGES=skip; "
    "set it to index to keep such pages, marked as listings)"
)


def listing_skipped(found: Document | SkippedFile) -> Document | SkippedFile:
    """A listing page left out with the reason, when the user chose to skip them."""
    if isinstance(found, Document) and found.metadata.page == "listing":
        return SkippedFile(found.doc_id, LISTING)
    return found


def too_many(records: int, max_records: int) -> str:
    return (
        f"it holds {records:,} records, over the {max_records:,} a file may hold "
        "(RAG_MAX_RECORDS): split it, or raise the limit"
    )


MAX_DEPTH = 32  # folders inside the corpus folder; deeper ones are reported, not walked
MAX_ID_CHARS = 1024
# Characters that make one name look like another or break a log line: controls, bidi overrides.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


def _walk(root: Path, max_file_bytes: int) -> Iterator[tuple[Path, str | None]]:
    """Yield every entry in a stable order, with the reason it is left out (None: read it).

    Links to folders, hidden folders and folders nested deeper than MAX_DEPTH are reported,
    never walked into. The walk keeps its own stack: a chain of thousands of folders must not
    exhaust Python's recursion.
    """
    stack = [(Path(root), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield folder, f"unreadable folder: {exc.strerror or exc}"
            continue
        below = []
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink() and path.is_dir():
                yield path, "link to a folder; not followed (link the files, or move the folder in)"
            elif entry.is_dir(follow_symlinks=False):
                if entry.name.startswith("."):
                    yield path, "hidden folder; not walked"
                elif depth + 1 > MAX_DEPTH:
                    yield path, f"folder nested over {MAX_DEPTH} levels deep; not walked"
                else:
                    below.append((path, depth + 1))
            else:
                yield path, _unindexable(path, max_file_bytes)
        stack.extend(reversed(below))


def _unindexable(path: Path, max_file_bytes: int) -> str | None:
    """Why a file is not read at all, judged from its name and kind alone."""
    if path.name.startswith("."):
        return "hidden file; not indexed"
    if problem := _name_problem(path.name):
        return f"{problem}; rename the file"
    if path.suffix.lower() not in supported():
        found = path.suffix.lower() or "(no extension)"
        return f"unsupported format {found}; indexed formats: {', '.join(supported())}"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device); only regular files are read"
    size = path.stat().st_size
    if size > max_file_bytes:
        return (
            f"{size / 1e6:.1f} MB, over the {max_file_bytes / 1e6:g} MB limit per file "
            "(RAG_MAX_FILE_BYTES): split it, or raise the limit"
        )
    return None


def _read(
    path: Path, real_root: Path, doc_id: str, seconds: float | None = None
) -> list[Document | SkippedFile]:
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(real_root):
            return [SkippedFile(doc_id, "link pointing outside the corpus folder; not followed")]
        return [
            SkippedFile(
                doc_id,
                f"link to {target.relative_to(real_root).as_posix()}, which is indexed itself",
            )
        ]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [SkippedFile(doc_id, f"unreadable: {exc.strerror or exc}")]
    try:
        return within(seconds, lambda: _loader(doc_id).load(doc_id, path, data))
    except TooSlow:
        return [SkippedFile(doc_id, too_slow_reason("reading", seconds or 0))]
    except Unreadable as exc:
        return [SkippedFile(doc_id, str(exc))]
    except Exception as exc:  # one hostile or broken file must never stop the whole archive
        return [SkippedFile(doc_id, parser_failure(exc))]


def parser_failure(exc: Exception) -> str:
    """Why a parser gave up on a file, in words (nesting and size limits are the usual cause)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read (a damaged or hostile file)"
    return f"could not be read: {type(exc).__name__}: {str(exc)[:200]}"


def _loader(doc_id: str):  # type: ignore[no-untyped-def]
    return registry.resolve("loader", Path(doc_id).suffix.lower())()


def _name_problem(name: str) -> str | None:
    """Why a file or folder name cannot be a doc id (None: it can)."""
    if "#" in name:
        return "'#' separates a file from its records in doc ids, so file names may not hold it"
    if any(unicodedata.category(c) in _INVISIBLE for c in name):
        return "it holds a control, line-break or text-direction character"
    if unicodedata.normalize("NFC", name) != name:
        return "it is not in Unicode normal form NFC (accents written as separate marks)"
    return None


def corpus_path(root: Path, doc_id: str) -> Path:
    """The file `doc_id` names inside the corpus folder; ids that could escape it, or that could
    pass for another id (look-alike Unicode, hidden characters), are refused before any write."""
    parts = doc_id.split("/")
    problem = None
    if not doc_id or "\x00" in doc_id or "\\" in doc_id:
        problem = "it is empty or holds a NUL or a backslash"
    elif len(doc_id) > MAX_ID_CHARS or len(parts) > MAX_DEPTH + 1:
        problem = f"it is over {MAX_ID_CHARS} characters or {MAX_DEPTH} folders deep"
    elif doc_id.startswith("/") or any(p in ("", ".", "..") for p in parts):
        problem = "it must be a relative path inside the corpus folder, without '..'"
    elif any(p.startswith(".") for p in parts):
        problem = "hidden files and folders are not indexed"
    elif found := next(filter(None, map(_name_problem, parts)), None):
        problem = found
    elif Path(doc_id).suffix.lower() not in supported():
        problem = f"unsupported format; indexed formats: {', '.join(supported())}"
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


def check_upload(
    doc_id: str,
    path: Path,
    data: bytes,
    max_records: int = DEFAULT_MAX_RECORDS,
    skip_listings: bool = False,
    max_file_seconds: float | None = None,
) -> list[Document]:
    """The documents an uploaded file gives, or why it cannot be indexed (nothing is written)."""
    try:
        found = within(max_file_seconds, lambda: _loader(doc_id).load(doc_id, path, data))
    except TooSlow:
        reason = too_slow_reason("reading", max_file_seconds or 0)
        raise InvalidDocumentError(
            f"{doc_id[:120]!r} is refused: {reason}; nothing was changed"
        ) from None
    except Unreadable as exc:
        raise InvalidDocumentError(
            f"{doc_id[:120]!r} is refused: {exc}; nothing was changed"
        ) from exc
    except Exception as exc:
        raise InvalidDocumentError(
            f"{doc_id[:120]!r} is refused: {parser_failure(exc)}; nothing was changed"
        ) from None
    if len(found) > max_records:
        reason = too_many(len(found), max_records)
        raise InvalidDocumentError(
            f"{doc_id[:120]!r} is refused: {reason}; nothing was changed"
        ) from None
    found = [listing_skipped(d) if skip_listings else d for d in found]
    documents = [d for d in found if isinstance(d, Document)]
    if not documents:
        reasons = "; ".join(s.reason for s in found if isinstance(s, SkippedFile))
        raise InvalidDocumentError(f"{doc_id[:120]!r} is refused: {reasons}; nothing was changed")
    return documents
