"""What one index generation holds, how it is written and read, and what it was built with."""

import bisect
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.corpus.chunking import Chunk
from rag.corpus.metadata import PageKind
from rag.embedding.embedder import Embedder
from rag.embedding.onnx_model import INT8_KIND
from rag.errors import IndexMismatchError
from rag.query import file_of

FORMAT_VERSION = 4
CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.json"
VIEWS = "views.jsonl"
_PACKAGES = ("newsrag", "sentence-transformers", "torch", "faiss-cpu", "bm25s", "tiktoken")


@dataclass(frozen=True)
class ArticleInfo:
    """An article as listed by /documents, with where and when it was published."""

    title: str | None
    start: int
    end: int
    published: str | None = None
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    copies: str | None = None  # the key shared by near-duplicate (syndicated) articles
    title_raw: str | None = None
    page: PageKind = "article"


MOSTLY_LEFT_OUT = 0.5


@dataclass(frozen=True)
class DocumentInfo:
    """What the index remembers of a source file (or of one record of a multi-record file)."""

    doc_id: str
    sha256: str
    chars: int
    articles: tuple[ArticleInfo, ...]
    boilerplate: tuple[tuple[int, int], ...]
    chunks: int = 0
    format: str = "text"
    pages: tuple[tuple[int, int], ...] = ()
    stored_view: bool = False
    uploaded: bool = False  # its file is in the uploads folder (the service may delete it)

    @property
    def left_out(self) -> int:
        """Characters of its text view left out of the passages as boilerplate."""
        return sum(end - start for start, end in self.boilerplate)

    @property
    def warning(self) -> str | None:
        """Said when most of the text was left out (a file whose paragraphs repeat, say): what
        went, why, and what to do, so an upload that indexes little is never silent."""
        if not self.chars or self.left_out < MOSTLY_LEFT_OUT * self.chars:
            return None
        return (
            f"{self.left_out:,} of its {self.chars:,} characters were left out as boilerplate "
            f"(lines repeated within the file, site chrome, sign-offs), leaving {self.chunks} "
            f"passage{'s' * (self.chunks != 1)} to search; if the repeated text is the article, "
            "keep one copy of it"
        )

    @property
    def file(self) -> str:
        """The corpus file this document comes from (a record's `FILE#ID` names FILE)."""
        return file_of(self.doc_id)

    def article_at(self, start: int) -> ArticleInfo:
        """The article whose span holds offset `start` (the first, before any article)."""
        i = bisect.bisect_right([a.start for a in self.articles], start) - 1
        return self.articles[max(i, 0)]


def fingerprint(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Everything that decides which chunks a file gives and which vectors they get.

    torch and fp32 ONNX give the same vectors (cosine > 0.9999, the same eval), so switching
    between them keeps the index; int8 vectors differ (cosine ~0.994) and are marked with their
    quantisation.
    """
    kind = vectors_kind(settings)
    return {
        **({"vectors": kind} if kind else {}),
        "model": embedder.model_id,
        "dim": embedder.dim,
        "embedder": settings.embedder,
        "chunker": {
            "tokenizer": "cl100k_base",
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap": settings.chunk_overlap,
            "embed_titles": settings.embed_titles,
            "model_max_tokens": embedder.max_tokens,
        },
    }


def _backend_making(kind: str | None) -> str:
    if kind is None:
        return ", or set RAG_EMBED_BACKEND=onnx"
    return ", or set RAG_EMBED_BACKEND=onnx-int8" if kind == INT8_KIND else ""


def vectors_kind(settings: Settings) -> str | None:
    """The quantisation of int8 vectors; None for full precision (torch and fp32 ONNX agree)."""
    return INT8_KIND if settings.embed_backend == "onnx-int8" else None


def chunk_id(doc_sha256: str, start: int, end: int, fingerprint_key: str) -> str:
    """A chunk's identity: the same file bytes, span, chunker and model give the same vector."""
    raw = f"{doc_sha256}:{start}:{end}:{fingerprint_key}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def fingerprint_key(fp: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fp, sort_keys=True).encode()).hexdigest()[:16]


def changed_settings(manifest: dict[str, Any], new: dict[str, Any]) -> str | None:
    """Say which chunker or model setting differs between an index's manifest and the
    fingerprint `new`, if any; "vectors" counts even when only one side has it (full-precision
    fingerprints leave it out)."""
    old: dict[str, Any] = {k: manifest.get(k) for k in (*new, "vectors")}
    flat_old = {**old, **old.get("chunker", {})}
    flat_new = {**new, **new.get("chunker", {})}
    for key in [*flat_new, *(k for k in flat_old if k not in flat_new)]:
        if key != "chunker" and flat_old.get(key) != flat_new.get(key):
            return f"{key} changed ({flat_old.get(key)!r} -> {flat_new.get(key)!r})"
    return None


def make_manifest(
    fp: dict[str, Any],
    settings: Settings,
    corpus_root: Path,
    documents: Sequence[DocumentInfo],
    skipped: Sequence[dict[str, str]],
    n_chunks: int,
) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **fp,
        "store": settings.store,
        "corpus_root": str(Path(corpus_root).resolve()),
        "uploads_root": str(settings.uploads_folder.resolve()),
        "corpus": {d.doc_id: d.sha256 for d in documents},
        "skipped": list(skipped),
        "counts": {"documents": len(documents), "chunks": n_chunks},
        "versions": {p: _version(p) for p in _PACKAGES},
    }


@cache
def _version(package: str) -> str | None:
    """A library's installed version (read once: the metadata lookup parses files each time)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def write_records(
    folder: Path,
    chunks: Sequence[Chunk],
    ids: Sequence[str],
    infos: Sequence[DocumentInfo],
    views: dict[str, str],
) -> None:
    """Write the chunk and document records of a generation, and the stored text views."""
    with open(folder / CHUNKS, "w", encoding="utf-8") as fh:
        for cid, chunk in zip(ids, chunks, strict=True):
            fh.write(json.dumps({"id": cid, **vars(chunk)}, ensure_ascii=False) + "\n")
    (folder / DOCUMENTS).write_text(
        json.dumps([asdict(i) for i in infos], ensure_ascii=False), encoding="utf-8"
    )
    with open(folder / VIEWS, "w", encoding="utf-8") as fh:
        for doc_id, text in views.items():
            fh.write(json.dumps({"doc_id": doc_id, "text": text}, ensure_ascii=False) + "\n")


def read_records(folder: Path) -> tuple[list[Chunk], list[str], list[DocumentInfo]]:
    """Read back the chunks and documents write_records wrote."""
    chunks, ids = [], []
    with open(folder / CHUNKS, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            ids.append(record.pop("id"))
            chunks.append(Chunk(**record))
    documents = [
        document_info(d) for d in json.loads((folder / DOCUMENTS).read_text(encoding="utf-8"))
    ]
    return chunks, ids, documents


def document_info(record: dict[str, Any]) -> DocumentInfo:
    """A DocumentInfo back from its JSON form."""
    return DocumentInfo(
        **{
            **record,
            "articles": tuple(ArticleInfo(**a) for a in record["articles"]),
            "boilerplate": tuple((s, e) for s, e in record["boilerplate"]),
            "pages": tuple((s, e) for s, e in record["pages"]),
        }
    )


def read_views(folder: Path) -> dict[str, str]:
    """The stored text views of the documents whose view is not their file on disk."""
    with open(folder / VIEWS, encoding="utf-8") as fh:
        return {r["doc_id"]: r["text"] for r in map(json.loads, fh)}


def check_compatible(
    manifest: dict[str, Any], folder: Path | str, settings: Settings, embedder: Embedder
) -> None:
    """Refuse an index whose vectors the configured model cannot be compared with."""
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"Index in {str(folder)!r} has format {manifest.get('format_version')}, this version "
            f"reads {FORMAT_VERSION}: rebuild it with `rag index`"
        )
    if manifest["model"] != settings.model:
        raise IndexMismatchError(
            f"Index in {str(folder)!r} was built with model {manifest['model']!r}, but the "
            f"configured model is {settings.model!r}: rebuild with `rag index`, or set "
            f"RAG_MODEL={manifest['model']}"
        )
    built, configured = manifest.get("vectors"), vectors_kind(settings)
    if built != configured:
        raise IndexMismatchError(
            f"Index in {str(folder)!r} holds {built or 'full-precision'} vectors, but "
            f"RAG_EMBED_BACKEND={settings.embed_backend} makes {configured or 'full-precision'} "
            f"ones, which rank differently: rebuild with `rag index`{_backend_making(built)}"
        )
    if manifest["dim"] != embedder.dim:
        raise IndexMismatchError(
            f"Index in {str(folder)!r} holds {manifest['dim']}-dimensional vectors, but model "
            f"{settings.model!r} makes {embedder.dim}-dimensional ones: rebuild with `rag index`"
        )
