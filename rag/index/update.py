"""Bring an index up to date with its corpus: only new and changed files are chunked and embedded.

Unchanged files keep their chunks and vectors (chunk ids are content hashes, so a vector is
reused exactly when it would come out the same); deleted files drop out; the result is written
as a new generation and published atomically (see folder.py). A change of model or chunker
settings, or `full=True`, rebuilds everything and says why.
"""

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from rag import registry, syndication
from rag.articles import Layout
from rag.chunking import Chunk, chunk_article
from rag.config import Settings
from rag.documents import Corpus, Document, SkippedFile
from rag.embedding import Embedder
from rag.errors import CorpusError, IndexCorruptError
from rag.index.describe import article_info, article_key, body, default_layout, mark_copies
from rag.index.folder import current_generation, publish, staging_folder, writing
from rag.index.integrity import checksums
from rag.index.load import verified_manifest
from rag.index.records import (
    FORMAT_VERSION,
    MANIFEST,
    DocumentInfo,
    changed_settings,
    chunk_id,
    fingerprint,
    fingerprint_key,
    make_manifest,
    read_records,
    read_views,
    write_records,
)
from rag.lexical import LexicalIndex
from rag.storage import writing_to
from rag.stores.base import VectorStore

LayoutOf = Callable[[Document], Layout]


@dataclass(frozen=True)
class UpdateReport:
    """What one update changed, for the CLI line and the HTTP reply."""

    generation: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    embedded: int
    documents: tuple[DocumentInfo, ...]
    chunks: int
    seconds: float
    full_reason: str | None
    skipped: tuple[dict[str, str], ...]

    def summary(self) -> str:
        return (
            f"+{len(self.added):,} added, ~{len(self.changed):,} changed, "
            f"-{len(self.removed):,} removed, {self.unchanged:,} unchanged; "
            f"embedded {self.embedded:,} chunks in {self.seconds:.1f} s"
        )


@dataclass
class _Previous:
    generation: str
    chunks: dict[str, list[tuple[Chunk, str]]]
    documents: dict[str, DocumentInfo]
    rows: dict[str, int]
    store: VectorStore
    skipped: list[dict[str, str]]
    views: dict[str, str]
    signatures: dict[str, NDArray[np.uint32]]
    copies_threshold: float


@dataclass
class _Made:
    info: DocumentInfo
    pairs: list[tuple[Chunk, str]]
    signatures: dict[str, NDArray[np.uint32]]


def indexed_text(chunk: Chunk, with_title: bool) -> str:
    """What the rankers see for a chunk: its text, optionally under its article title."""
    return f"{chunk.title}\n{chunk.text}" if with_title and chunk.title else chunk.text


def update_index(
    folder: Path,
    read_corpus: Callable[[], Corpus],
    settings: Settings,
    embedder: Embedder,
    full: bool = False,
    layout_of: LayoutOf = default_layout,
    progress: bool = True,
) -> UpdateReport:
    """Update the index in `folder` to the corpus `read_corpus()` returns, under the write lock.

    `read_corpus` runs while the lock is held, so a caller can change the corpus folder in it
    (an upload) without another writer seeing half of it.
    """
    started = time.perf_counter()
    with writing(folder, settings.lock_timeout_s) as real:
        corpus = read_corpus()
        if not corpus.documents:
            reasons = "; ".join(f"{s.doc_id}: {s.reason}" for s in corpus.skipped)
            raise CorpusError(f"Nothing to index in {str(corpus.root)!r} ({reasons or 'no files'})")
        fp = fingerprint(settings, embedder)
        previous, full_reason = _previous(real, fp, full)
        key = fingerprint_key(fp)
        docs = {d.doc_id: d for d in corpus.documents}
        fresh = [d for d in corpus.documents if _changed(d, previous)]
        fresh_ids = {d.doc_id for d in fresh}
        old_docs = previous.documents if previous else {}
        removed = tuple(sorted(d for d in old_docs if d not in docs))
        skipped = [asdict(s) for s in corpus.skipped]
        if (
            previous is not None
            and not fresh
            and not removed
            and skipped == previous.skipped
            and previous.copies_threshold == settings.copies_threshold
        ):
            return _report(previous, corpus, started)
        made, slow = _chunk_all(fresh, settings, embedder, layout_of, key, progress)
        skipped += [asdict(s) for s in slow]
        chunks: list[Chunk] = []
        ids: list[str] = []
        infos: list[DocumentInfo] = []
        views: dict[str, str] = {}
        signatures: dict[str, NDArray[np.uint32]] = {}
        for doc in corpus.documents:
            if doc.doc_id in made:
                info, pairs = made[doc.doc_id].info, made[doc.doc_id].pairs
                signatures.update(made[doc.doc_id].signatures)
                if doc.stored_view:
                    views[doc.doc_id] = doc.text
            elif previous is not None and doc.doc_id not in fresh_ids:
                info, pairs = previous.documents[doc.doc_id], previous.chunks[doc.doc_id]
                for a in info.articles:
                    k = article_key(info.doc_id, a.start)
                    signatures[k] = previous.signatures[k]
                if info.stored_view:
                    views[doc.doc_id] = previous.views[doc.doc_id]
            else:  # too slow to chunk: reported in `skipped`
                continue
            infos.append(info)
            chunks += [c for c, _ in pairs]
            ids += [i for _, i in pairs]
        if not infos:
            reasons = "; ".join(f"{s['doc_id']}: {s['reason']}" for s in skipped)
            raise CorpusError(f"Nothing to index in {str(corpus.root)!r} ({reasons})")
        infos = mark_copies(infos, signatures, settings.copies_threshold)
        vectors, embedded = _vectors(chunks, ids, previous, embedder, settings, progress)
        store = registry.resolve("store", settings.store)(embedder.dim)
        store.add(vectors)
        lexical = LexicalIndex.build([indexed_text(c, settings.embed_titles) for c in chunks])
        manifest = make_manifest(fp, settings, corpus.root, infos, skipped, len(chunks))
        manifest["copies_threshold"] = settings.copies_threshold
        added = tuple(d.doc_id for d in fresh if d.doc_id not in old_docs)
        changed = tuple(d.doc_id for d in fresh if d.doc_id in old_docs)
        manifest["update"] = {
            "added": len(added),
            "changed": len(changed),
            "removed": len(removed),
            "embedded": embedded,
            "full_reason": full_reason,
            "seconds": round(time.perf_counter() - started, 2),
        }
        with writing_to(
            f"the index in {str(folder)!r}", "the previous index is still being served"
        ):
            generation = _write(
                real, manifest, (chunks, ids, infos, views), store, lexical, signatures
            )
    return UpdateReport(
        generation=generation.name,
        added=added,
        changed=changed,
        removed=removed,
        unchanged=len(corpus.documents) - len(fresh),
        embedded=embedded,
        documents=tuple(infos),
        chunks=len(chunks),
        seconds=round(time.perf_counter() - started, 2),
        full_reason=full_reason,
        skipped=tuple(skipped),
    )


def _report(previous: _Previous, corpus: Corpus, started: float) -> UpdateReport:
    """Nothing changed: the current generation stays, and no new one is written."""
    infos = tuple(previous.documents[d.doc_id] for d in corpus.documents)
    return UpdateReport(
        generation=previous.generation,
        added=(),
        changed=(),
        removed=(),
        unchanged=len(infos),
        embedded=0,
        documents=infos,
        chunks=sum(i.chunks for i in infos),
        seconds=round(time.perf_counter() - started, 2),
        full_reason=None,
        skipped=tuple(previous.skipped),
    )


def _changed(doc: Document, previous: _Previous | None) -> bool:
    old = previous.documents.get(doc.doc_id) if previous else None
    return old is None or old.sha256 != doc.sha256


def _previous(
    folder: Path, fp: dict[str, object], full: bool
) -> tuple[_Previous | None, str | None]:
    """The current generation's chunks and vectors, unless everything must be rebuilt (and why)."""
    if full:
        return None, "a full rebuild was asked for"
    generation = current_generation(folder)
    if generation is None:
        return None, "there was no index yet"
    try:
        manifest = verified_manifest(generation)
    except IndexCorruptError as exc:
        return None, f"the current index is damaged: {exc}"
    if manifest.get("format_version") != FORMAT_VERSION:
        return (
            None,
            f"the index format changed ({manifest.get('format_version')} -> {FORMAT_VERSION})",
        )
    reason = changed_settings({k: manifest.get(k) for k in fp}, dict(fp))
    if reason:
        return None, reason
    chunks, ids, documents = read_records(generation)
    by_doc: dict[str, list[tuple[Chunk, str]]] = {}
    for chunk, cid in zip(chunks, ids, strict=True):
        by_doc.setdefault(chunk.doc_id, []).append((chunk, cid))
    rows: dict[str, int] = {}
    for row, cid in enumerate(ids):
        rows.setdefault(cid, row)
    store = registry.resolve("store", manifest["store"]).load(generation)
    docs = {d.doc_id: d for d in documents}
    previous = _Previous(
        generation.name,
        by_doc,
        docs,
        rows,
        store,
        manifest["skipped"],
        read_views(generation),
        syndication.load(generation),
        manifest["copies_threshold"],
    )
    return previous, None


def _chunk_all(
    documents: Sequence[Document],
    settings: Settings,
    embedder: Embedder,
    layout_of: LayoutOf,
    key: str,
    progress: bool,
) -> tuple[dict[str, _Made], list[SkippedFile]]:
    """Chunk new and changed documents; one that takes over RAG_MAX_FILE_SECONDS is skipped."""
    made, slow = {}, []
    bar = tqdm(documents, desc="Chunking", unit="doc", disable=not progress or not documents)
    for doc in bar:
        if len(doc.text) > BIG:
            bar.set_postfix_str(f"{doc.doc_id} ({len(doc.text) / 1e6:.1f} M chars)")
        layout = layout_of(doc)
        try:
            chunks = _chunks(doc, layout, settings, embedder)
        except _TooSlow:
            slow.append(SkippedFile(doc.doc_id, _slow_reason(settings)))
            continue
        articles = tuple(article_info(doc, a) for a in layout.articles)
        info = DocumentInfo(
            doc.doc_id,
            doc.sha256,
            len(doc.text),
            articles,
            tuple((s.start, s.end) for s in layout.boilerplate),
            len(chunks),
            doc.format,
            doc.pages,
            doc.stored_view,
        )
        sigs = {
            article_key(doc.doc_id, a.start): syndication.signature(body(doc.text, a))
            for a in layout.articles
        }
        pairs = [(c, chunk_id(doc.sha256, c.start, c.end, key)) for c in chunks]
        made[doc.doc_id] = _Made(info, pairs, sigs)
    return made, slow


BIG = 1_000_000  # characters: the progress bar names the file being chunked


class _TooSlow(Exception):
    pass


def _slow_reason(settings: Settings) -> str:
    return (
        f"chunking took over {settings.max_file_seconds:g} s (RAG_MAX_FILE_SECONDS): split the "
        "file, or raise the limit"
    )


def _chunks(doc: Document, layout: Layout, settings: Settings, embedder: Embedder) -> list[Chunk]:
    deadline = time.monotonic() + settings.max_file_seconds
    chunks: list[Chunk] = []
    for article in layout.articles:
        prefix = f"{article.title}\n" if settings.embed_titles and article.title else ""

        def fits(piece: str, prefix: str = prefix) -> bool:
            if time.monotonic() > deadline:
                raise _TooSlow
            return embedder.token_count(prefix + piece) <= embedder.max_tokens

        chunks += chunk_article(
            doc.text, doc.doc_id, article, settings.chunk_tokens, settings.chunk_overlap, fits
        )
    return chunks


def _vectors(
    chunks: Sequence[Chunk],
    ids: Sequence[str],
    previous: _Previous | None,
    embedder: Embedder,
    settings: Settings,
    progress: bool,
) -> tuple[NDArray[np.float32], int]:
    """Reuse the vector of every chunk id the previous generation had; embed the rest."""
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    old = previous.rows if previous else {}
    reused = [(i, old[cid]) for i, cid in enumerate(ids) if cid in old]
    if reused and previous is not None:
        vectors[[i for i, _ in reused]] = previous.store.vectors([row for _, row in reused])
    missing = [i for i, cid in enumerate(ids) if cid not in old]
    if missing:
        texts = [indexed_text(chunks[i], settings.embed_titles) for i in missing]
        vectors[missing] = embedder.embed_documents(texts, progress=progress)
    return vectors, len(missing)


def _write(
    folder: Path,
    manifest: dict[str, object],
    records: tuple[Sequence[Chunk], Sequence[str], Sequence[DocumentInfo], dict[str, str]],
    store: VectorStore,
    lexical: LexicalIndex,
    signatures: dict[str, NDArray[np.uint32]],
) -> Path:
    staging = staging_folder(folder)
    try:
        write_records(staging, *records)
        keys = sorted(signatures)
        matrix = np.stack([signatures[k] for k in keys]) if keys else np.zeros((0, 128), np.uint32)
        syndication.save(staging, keys, matrix)
        store.save(staging)
        lexical.save(staging)
        manifest["files"] = checksums(staging)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return publish(folder, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
