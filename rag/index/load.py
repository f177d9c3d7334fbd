"""Read the current generation of an index folder into memory."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag import registry
from rag.chunking import Chunk
from rag.config import Settings
from rag.embedding import Embedder
from rag.errors import IndexMismatchError, IndexNotFoundError
from rag.index.folder import LOCK, current_generation, is_legacy
from rag.index.records import MANIFEST, DocumentInfo, check_compatible, read_records
from rag.lexical import LexicalIndex
from rag.stores.base import VectorStore

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
    lexical: LexicalIndex

    @property
    def corpus_root(self) -> Path:
        return Path(self.manifest["corpus_root"])

    @property
    def generation(self) -> str:
        return self.folder.name

    def document(self, doc_id: str) -> DocumentInfo | None:
        return next((d for d in self.documents if d.doc_id == doc_id), None)


def load_index(folder: Path, settings: Settings, embedder: Embedder) -> LoadedIndex:
    """Load the current generation, refusing one built for another model or vector size."""
    folder = Path(folder)
    for attempt in range(_RETRIES):
        generation = current_generation(folder)
        if generation is None:
            raise _missing(folder)
        try:
            return _load_generation(generation, settings, embedder)
        except FileNotFoundError:
            if attempt == _RETRIES - 1 or current_generation(folder) == generation:
                raise
    raise AssertionError("unreachable")


def _load_generation(generation: Path, settings: Settings, embedder: Embedder) -> LoadedIndex:
    manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    check_compatible(manifest, generation.parent, settings, embedder)
    chunks, ids, documents = read_records(generation)
    store = registry.resolve("store", manifest["store"]).load(generation)
    lexical = LexicalIndex.load(generation)
    return LoadedIndex(generation, manifest, chunks, ids, documents, store, lexical)


def _missing(folder: Path) -> Exception:
    if is_legacy(folder):
        return IndexMismatchError(
            f"Index in {str(folder)!r} has format 1, this version reads 2: rebuild it with "
            "`rag index` (your corpus is not touched)"
        )
    if folder.is_dir() and any(p.name[:1] != "." and p.name != LOCK for p in folder.iterdir()):
        return IndexNotFoundError(
            f"No index in {str(folder)!r}: that folder holds other files (is RAG_INDEX_DIR "
            "mistyped?); point RAG_INDEX_DIR at your index, or at a new folder and run `rag index`"
        )
    return IndexNotFoundError(
        f"No index in {str(folder)!r}: build one with `rag index` (or set RAG_INDEX_DIR)"
    )
