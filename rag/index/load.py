"""Read the current generation of an index folder into memory."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from rag import registry
from rag.config import Settings
from rag.corpus.chunking import Chunk
from rag.embedding.embedder import Embedder
from rag.errors import (
    DocumentNotFoundError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    StaleDocumentError,
)
from rag.index.folder import LOCK, current_generation, is_generation, is_legacy
from rag.index.integrity import check_counts, damaged, read_manifest, verify
from rag.index.records import (
    CHUNKS,
    DOCUMENTS,
    FORMAT_VERSION,
    ArticleInfo,
    DocumentInfo,
    check_compatible,
    read_records,
    read_views,
)
from rag.stores.base import VectorStore
from rag.stores.lexical import LexicalIndex

_RETRIES = 3


@dataclass
class LoadedIndex:
    """Everything retrieval needs, read back from one generation of an index folder."""

    folder: Path
    manifest: dict[str, Any]
    chunks: list[Chunk]
    chunk_ids: list[str]
    documents: list[DocumentInfo]
    store: VectorStore
    lexical: LexicalIndex | None  # None where the store ranks BM25 itself (Milvus)
    views: Mapping[str, str]
    all_views: bool = False  # every document's view is stored, not only extracted ones

    @cached_property
    def corpus_root(self) -> Path:
        return Path(self.manifest["corpus_root"])

    @cached_property
    def uploads_root(self) -> Path:
        return Path(self.manifest.get("uploads_root") or self.folder.parent / "uploads")

    def root_of(self, doc: DocumentInfo) -> Path:
        """The folder a document's file is in: the uploads folder or the user's corpus folder."""
        return self.uploads_root if doc.uploaded else self.corpus_root

    @property
    def generation(self) -> str:
        return self.folder.name

    @cached_property
    def by_id(self) -> dict[str, DocumentInfo]:
        return {d.doc_id: d for d in self.documents}

    def document(self, doc_id: str) -> DocumentInfo | None:
        return self.by_id.get(doc_id)

    def text_view(self, doc_id: str) -> tuple[DocumentInfo, str]:
        """One indexed document and its text view, the exact text its offsets index; the file
        itself for plain text, refused when it changed since it was indexed."""
        info = self.document(doc_id)
        if info is None:
            raise DocumentNotFoundError(f"No document {doc_id[:120]!r} in the index")
        if info.stored_view or self.all_views:
            return info, self.views[doc_id]
        try:
            data = (self.root_of(info) / doc_id).read_bytes()
        except OSError as exc:
            raise StaleDocumentError(
                f"{doc_id!r} is indexed but cannot be read ({exc.strerror}): run `rag index`"
            ) from exc
        if hashlib.sha256(data).hexdigest() != info.sha256:
            raise StaleDocumentError(
                f"{doc_id!r} changed on disk since it was indexed, so its offsets are stale: "
                "run `rag index` (a server picks the update up by itself)"
            )
        return info, data.decode("utf-8")

    @cached_property
    def articles(self) -> list[ArticleInfo]:
        """The article each chunk row belongs to (the one whose span holds the chunk's start)."""
        return [self.by_id[c.doc_id].article_at(c.start) for c in self.chunks]

    @cached_property
    def copies(self) -> dict[str, list[tuple[DocumentInfo, ArticleInfo]]]:
        """Each group of near-duplicate articles, by its `copies` key."""
        groups: dict[str, list[tuple[DocumentInfo, ArticleInfo]]] = {}
        for doc in self.documents:
            for article in doc.articles:
                if article.copies:
                    groups.setdefault(article.copies, []).append((doc, article))
        return groups


def load_index(folder: Path, settings: Settings, embedder: Embedder) -> LoadedIndex:
    """Load the current generation, verified file by file, refusing a damaged one or one built
    for another model or vector size."""
    folder = Path(folder)
    for attempt in range(_RETRIES):
        generation = current_generation(folder)
        if generation is None:
            raise _missing(folder)
        try:
            return _load_generation(generation, settings, embedder)
        except (IndexCorruptError, FileNotFoundError):
            # a writer may have published and pruned while we read: then read the new one
            if attempt == _RETRIES - 1 or current_generation(folder) == generation:
                raise
    raise AssertionError("unreachable")


def verified_manifest(generation: Path) -> dict[str, Any]:
    """The manifest of a generation whose every file checks out (an older format is rebuilt anyway)."""
    if not is_generation(generation):
        raise damaged(generation.parent, "CURRENT", f"it names {generation.name!r}, no generation")
    manifest = read_manifest(generation)
    if manifest.get("format_version") == FORMAT_VERSION:
        verify(generation, manifest)
    return manifest


def _load_generation(generation: Path, settings: Settings, embedder: Embedder) -> LoadedIndex:
    if not is_generation(generation):
        raise damaged(generation.parent, "CURRENT", f"it names {generation.name!r}, no generation")
    manifest = read_manifest(generation)
    check_compatible(manifest, generation.parent, settings, embedder)
    verify(generation, manifest)
    chunks, ids, documents = read_records(generation)
    counts = manifest["counts"]
    check_counts(generation, CHUNKS, len(chunks), counts["chunks"])
    check_counts(generation, DOCUMENTS, len(documents), counts["documents"])
    store = registry.resolve("store", manifest["store"]).load(generation)
    check_counts(generation, "vectors", len(store), counts["chunks"])
    lexical = LexicalIndex.load(generation)
    views = read_views(generation)
    return LoadedIndex(generation, manifest, chunks, ids, documents, store, lexical, views)


def _missing(folder: Path) -> Exception:
    if is_legacy(folder):
        return IndexMismatchError(
            f"Index in {str(folder)!r} has format 1, this version reads {FORMAT_VERSION}: rebuild "
            "it with `rag index` (your corpus is not touched)"
        )
    if folder.is_dir() and any(p.name[:1] != "." and p.name != LOCK for p in folder.iterdir()):
        return IndexNotFoundError(
            f"No index in {str(folder)!r}: that folder holds other files (is RAG_INDEX_DIR "
            "mistyped?); point RAG_INDEX_DIR at your index, or at a new folder and run `rag index`"
        )
    return IndexNotFoundError(
        f"No index in {str(folder)!r}: build one with `rag index` (or set RAG_INDEX_DIR)"
    )


def check_index(folder: Path, settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Verify an index: every file's checksum and the record counts (by loading it), every
    passage's offsets against its text view, and which corpus files changed since indexing."""
    index = load_index(folder, settings, embedder)
    views: dict[str, str] = dict(index.views)
    stale = []
    for doc in index.documents:
        if doc.stored_view:
            continue
        try:
            data = (index.root_of(doc) / doc.doc_id).read_bytes()
        except OSError:
            data = b""
        if hashlib.sha256(data).hexdigest() != doc.sha256:
            stale.append(doc.doc_id)
        else:
            views[doc.doc_id] = data.decode("utf-8")
    for chunk in index.chunks:
        view = views.get(chunk.doc_id)
        if view is not None and view[chunk.start : chunk.end] != chunk.text:
            raise IndexCorruptError(
                f"Chunk of {chunk.doc_id!r} at {chunk.start}-{chunk.end} does not match its "
                "text view: rebuild with `rag index --full`"
            )
    return {
        "generation": index.generation,
        "documents": len(index.documents),
        "chunks": len(index.chunks),
        "verified": f"{len(index.manifest['files'])} files match their checksums",
        "stale": stale,
    }
