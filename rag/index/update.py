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
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rag import registry
from rag.config import Settings
from rag.corpus import syndication
from rag.corpus.chunking import Chunk
from rag.corpus.documents import Corpus
from rag.embedding.embedder import Embedder
from rag.errors import IndexCorruptError
from rag.index.describe import default_layout
from rag.index.folder import current_generation, publish, staging_folder, writing
from rag.index.integrity import MANIFEST, checksums
from rag.index.load import verified_manifest
from rag.index.plan import (
    Plan,
    Previous,
    UpdateReport,
    fresh_vectors,
    indexed_text,
    plan_update,
    unchanged_report,
)
from rag.index.prepare import LayoutOf
from rag.index.records import (
    FORMAT_VERSION,
    DocumentInfo,
    changed_settings,
    fingerprint,
    read_records,
    read_views,
    write_records,
)
from rag.storage import writing_to
from rag.stores.base import VectorStore
from rag.stores.lexical import LexicalIndex


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
        fp = fingerprint(settings, embedder)
        previous, full_reason = _previous(real, fp, full)
        plan = plan_update(corpus, previous, full_reason, settings, embedder, layout_of, progress)
        if plan is None:
            assert previous is not None
            return unchanged_report(previous, corpus, started)
        vectors, embedded = _vectors(plan, previous, embedder, settings, progress)
        approximate = settings.faiss_index == "hnsw" or (
            settings.faiss_index == "auto" and len(vectors) >= settings.faiss_approximate_above
        )
        store = registry.resolve("store", settings.store)(embedder.dim, approximate=approximate)
        store.add(vectors)
        lexical = LexicalIndex.build([indexed_text(c, settings.embed_titles) for c in plan.chunks])
        manifest = plan.manifest(settings, embedded, started)
        kept = previous.views if previous else {}
        views = {
            i.doc_id: plan.views[i.doc_id] if i.doc_id in plan.views else kept[i.doc_id]
            for i in plan.infos
            if i.stored_view
        }
        with writing_to(
            f"the index in {str(folder)!r}", "the previous index is still being served"
        ):
            generation = _write(
                real,
                manifest,
                (plan.chunks, plan.ids, plan.infos, views),
                store,
                lexical,
                plan.signatures,
            )
    return plan.report(generation.name, embedded, started)


def _previous(
    folder: Path, fp: dict[str, object], full: bool
) -> tuple[Previous | None, str | None]:
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
    reason = changed_settings(manifest, dict(fp))
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
    previous = Previous(
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


def _vectors(
    plan: Plan,
    previous: Previous | None,
    embedder: Embedder,
    settings: Settings,
    progress: bool,
) -> tuple[NDArray[np.float32], int]:
    """Reuse the vector of every chunk id the previous generation had; embed the rest."""
    vectors = np.zeros((len(plan.chunks), embedder.dim), dtype=np.float32)
    old = previous.rows if previous else {}
    reused = [(i, old[cid]) for i, cid in enumerate(plan.ids) if cid in old]
    if reused and previous is not None and previous.store is not None:
        vectors[[i for i, _ in reused]] = previous.store.vectors([row for _, row in reused])
    missing, fresh = fresh_vectors(plan, old, embedder, settings, progress)
    vectors[missing] = fresh
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
