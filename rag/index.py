"""Build, save and load an index directory: chunks, vectors, BM25 and a manifest, swapped in atomically."""

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag import registry
from rag.articles import Layout, split_articles
from rag.chunking import Chunk, chunk_article
from rag.config import Settings
from rag.documents import Document, SkippedFile
from rag.embedding import Embedder
from rag.errors import CorpusError, IndexDirError, IndexMismatchError, IndexNotFoundError
from rag.lexical import LexicalIndex
from rag.stores.base import VectorStore

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.json"


@dataclass(frozen=True)
class ArticleInfo:
    """An article as listed by /documents."""

    title: str | None
    start: int
    end: int


@dataclass(frozen=True)
class DocumentInfo:
    """What the index remembers of a source file."""

    doc_id: str
    sha256: str
    chars: int
    articles: tuple[ArticleInfo, ...]
    boilerplate: tuple[tuple[int, int], ...]


@dataclass
class LoadedIndex:
    """Everything retrieval needs, read back from an index directory."""

    folder: Path
    manifest: dict[str, Any]
    chunks: list[Chunk]
    documents: list[DocumentInfo]
    store: VectorStore
    lexical: LexicalIndex

    @property
    def corpus_root(self) -> Path:
        return Path(self.manifest["corpus_root"])


def indexed_text(chunk: Chunk, with_title: bool) -> str:
    """What the rankers see for a chunk: its text, optionally under its article title."""
    return f"{chunk.title}\n{chunk.text}" if with_title and chunk.title else chunk.text


_MANIFEST_KEYS = frozenset({"format_version", "model", "dim", "chunker", "corpus_root"})


def index_exists(folder: Path) -> bool:
    """True when `folder` holds a finished index of ours (a missing or empty folder means: build one)."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and _MANIFEST_KEYS <= manifest.keys()


def check_writable(folder: Path) -> Path:
    """Return the real index folder, refusing one that holds anything but our index.

    Only a missing folder, an empty one or one with our manifest may be replaced: pointing
    RAG_INDEX_DIR at a folder of articles must never delete them.
    """
    real = Path(folder).resolve()
    if real.exists() and not real.is_dir():
        raise IndexDirError(
            f"Index folder {str(folder)!r} is a file, not a folder: set RAG_INDEX_DIR to a new or empty folder"
        )
    if real.is_dir() and not index_exists(real) and any(real.iterdir()):
        raise IndexDirError(
            f"Refusing to write an index into {str(folder)!r}: it holds files that are not an "
            f"index of ours (no {MANIFEST} of ours), and they would be replaced; set RAG_INDEX_DIR "
            "to a new or empty folder"
        )
    return real


def build_index(
    documents: Sequence[Document],
    corpus_root: Path,
    folder: Path,
    settings: Settings,
    embedder: Embedder,
    skipped: Sequence[SkippedFile] = (),
    layout_of: Callable[[Document], Layout] = lambda doc: split_articles(doc.text),
    progress: bool = True,
) -> dict[str, Any]:
    """Chunk, embed and save `documents` into `folder`; the old index stays until the new one is whole."""
    folder = check_writable(folder)
    if not documents:
        reasons = "; ".join(f"{s.doc_id}: {s.reason}" for s in skipped) or "no .txt or .md files"
        raise CorpusError(f"Nothing to index in {str(corpus_root)!r} ({reasons})")
    started = time.perf_counter()
    chunks, infos = _chunk_all(documents, settings, embedder, layout_of, progress)
    texts = [indexed_text(c, settings.embed_titles) for c in chunks]
    vectors = embedder.embed_documents(texts, progress=progress)
    store = registry.resolve("store", settings.store)(embedder.dim)
    store.add(vectors)
    manifest = _manifest(settings, embedder, corpus_root, documents, skipped, len(chunks))
    manifest["build_seconds"] = round(time.perf_counter() - started, 2)
    _write_atomically(Path(folder), manifest, chunks, infos, store, LexicalIndex.build(texts))
    return manifest


def _chunk_all(
    documents: Sequence[Document],
    settings: Settings,
    embedder: Embedder,
    layout_of: Callable[[Document], Layout],
    progress: bool,
) -> tuple[list[Chunk], list[DocumentInfo]]:
    chunks: list[Chunk] = []
    infos: list[DocumentInfo] = []
    for doc in tqdm(documents, desc="Chunking", unit="doc", disable=not progress):
        layout = layout_of(doc)
        for article in layout.articles:
            prefix = f"{article.title}\n" if settings.embed_titles and article.title else ""

            def fits(piece: str, prefix: str = prefix) -> bool:
                return embedder.token_count(prefix + piece) <= embedder.max_tokens

            chunks += chunk_article(
                doc.text, doc.doc_id, article, settings.chunk_tokens, settings.chunk_overlap, fits
            )
        articles = tuple(ArticleInfo(a.title, a.start, a.end) for a in layout.articles)
        boiler = tuple((s.start, s.end) for s in layout.boilerplate)
        infos.append(DocumentInfo(doc.doc_id, doc.sha256, len(doc.text), articles, boiler))
    return chunks, infos


def _manifest(
    settings: Settings,
    embedder: Embedder,
    corpus_root: Path,
    documents: Sequence[Document],
    skipped: Sequence[SkippedFile],
    n_chunks: int,
) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": embedder.model_id,
        "dim": embedder.dim,
        "embedder": settings.embedder,
        "store": settings.store,
        "chunker": {
            "tokenizer": "cl100k_base",
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap": settings.chunk_overlap,
            "embed_titles": settings.embed_titles,
            "model_max_tokens": embedder.max_tokens,
        },
        "corpus_root": str(Path(corpus_root).resolve()),
        "corpus": {d.doc_id: d.sha256 for d in documents},
        "skipped": [asdict(s) for s in skipped],
        "counts": {"documents": len(documents), "chunks": n_chunks},
        "versions": {p: _version(p) for p in _PACKAGES},
    }


_PACKAGES = ("newsrag", "sentence-transformers", "torch", "faiss-cpu", "bm25s", "tiktoken")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _write_atomically(
    folder: Path,
    manifest: dict[str, Any],
    chunks: list[Chunk],
    infos: list[DocumentInfo],
    store: VectorStore,
    lexical: LexicalIndex,
) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    try:
        with open(staging / CHUNKS, "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        (staging / DOCUMENTS).write_text(
            json.dumps([asdict(i) for i in infos], ensure_ascii=False), encoding="utf-8"
        )
        store.save(staging)
        lexical.save(staging)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        _swap(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, folder: Path) -> None:
    """Replace `folder` by `staging` with renames, so readers see the old or the new index whole.

    Only folders this function made (mkdtemp names) are ever deleted, and `folder` is checked
    once more right before it is moved aside.
    """
    check_writable(folder)
    if not folder.exists():
        os.rename(staging, folder)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    os.rename(folder, retired)  # onto our own empty folder: atomic on POSIX
    os.rename(staging, folder)
    shutil.rmtree(retired, ignore_errors=True)


def load_index(folder: Path, settings: Settings, embedder: Embedder) -> LoadedIndex:
    """Read an index back, refusing one built for another model or vector size."""
    folder = Path(folder)
    if not index_exists(folder):
        if folder.is_dir() and any(folder.iterdir()):
            raise IndexNotFoundError(
                f"No index in {str(folder)!r}: that folder holds other files (is RAG_INDEX_DIR "
                "mistyped?); point RAG_INDEX_DIR at your index, or at a new folder and run `rag index`"
            )
        raise IndexNotFoundError(
            f"No index in {str(folder)!r}: build one with `rag index` (or set RAG_INDEX_DIR)"
        )
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    _check_compatible(manifest, folder, settings, embedder)
    with open(folder / CHUNKS, encoding="utf-8") as fh:
        chunks = [Chunk(**json.loads(line)) for line in fh]
    raw_docs = json.loads((folder / DOCUMENTS).read_text(encoding="utf-8"))
    documents = [
        DocumentInfo(
            d["doc_id"],
            d["sha256"],
            d["chars"],
            tuple(ArticleInfo(**a) for a in d["articles"]),
            tuple((s, e) for s, e in d["boilerplate"]),
        )
        for d in raw_docs
    ]
    store = registry.resolve("store", manifest["store"]).load(folder)
    return LoadedIndex(folder, manifest, chunks, documents, store, LexicalIndex.load(folder))


def _check_compatible(
    manifest: dict[str, Any], folder: Path, settings: Settings, embedder: Embedder
) -> None:
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
    if manifest["dim"] != embedder.dim:
        raise IndexMismatchError(
            f"Index in {str(folder)!r} holds {manifest['dim']}-dimensional vectors, but model "
            f"{settings.model!r} makes {embedder.dim}-dimensional ones: rebuild with `rag index`"
        )
