"""The Loader seam: one file's bytes in, documents with exact text views and metadata out."""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from rag.corpus.metadata import Metadata
from rag.corpus.tidy import tidy


@dataclass(frozen=True)
class Document:
    """One document. Offsets index `text`, its text view.

    For .txt/.md the text view is the file as on disk (`stored_view` False); for other formats
    it is the text the loader extracted, stored with the index. `pages` holds each PDF page's
    [start, end) in the text view.
    """

    doc_id: str
    path: Path
    text: str
    sha256: str
    format: str = "text"
    metadata: Metadata = field(default_factory=Metadata)
    pages: tuple[tuple[int, int], ...] = ()
    stored_view: bool = False
    uploaded: bool = False  # kept in the service's uploads folder, not the user's corpus folder


@dataclass(frozen=True)
class SkippedFile:
    """A file (or a record of one) left out of the index, and why, so the user can fix it."""

    doc_id: str
    reason: str


class Unreadable(Exception):
    """The whole file cannot be indexed; the message says why."""


class Loader(Protocol):
    """Turns one file into documents whose text views the passages' offsets index.

    loader = registry.resolve("loader", ".html")()
    found = loader.load("news/story.html", path, data)   # Documents and SkippedFiles
    A file that cannot be used at all raises Unreadable(reason). Loaders never reach the network.
    """

    format: str

    def load(self, doc_id: str, path: Path, data: bytes) -> list[Document | SkippedFile]: ...


def extracted(
    doc_id: str,
    path: Path,
    fmt: str,
    body: str,
    meta: Metadata,
    pages: tuple[tuple[int, int], ...] = (),
    with_title: bool = True,
) -> Document:
    """A document whose text view is the title, a blank line, then the extracted body."""
    meta = tidy(meta)
    title = " ".join((meta.title or "").split()) if with_title else ""
    head = f"{title}\n\n" if title and body.strip() else title  # a headline-only feed entry
    shift = len(head) - (len(body) - len(body.lstrip()))
    text = head + body.strip()
    pages = tuple((max(len(head), s + shift), e + shift) for s, e in pages)
    digest = hashlib.sha256(json.dumps([text, asdict(meta)]).encode("utf-8", "surrogatepass"))
    return Document(doc_id, path, text, digest.hexdigest(), fmt, meta, pages, stored_view=True)
