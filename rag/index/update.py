"""Bring an index up to date with its corpus: only new and changed files are chunked and embedded.

Unchanged files keep their chunks and vectors (chunk ids are content hashes, so a vector is
reused exactly when it would come out the same); deleted files drop out; the result is written
as a new generation and published atomically (see folder.py). A change of model or chunker
settings, or `full=True`, rebuilds everything and says why.
"""

import json
import shutil
import time
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rag import registry, syndication
from rag.chunking import Chunk
from rag.config import Settings
from rag.documents import Corpus, Document
from rag.embedding import Embedder
from rag.errors import CorpusError, IndexCorruptError
from rag.index.describe import article_key, default_layout, mark_copies
from rag.index.folder import current_generation, publish, staging_folder, writing
from rag.index.integrity import checksums
from rag.index.load import verified_manifest
from rag.index.prepare import LayoutOf, chunk_all
from rag.index.records import (
    FORMAT_VERSION,
    MANIFEST,
    DocumentInfo,
    changed_settings,
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
class Previous:
    """What the index holds before an update, as far as the update needs it."""

    generation: str
    chunks: dict[str, list[tuple[Chunk, str]]]
    documents: dict[str, DocumentInfo]
    rows: dict[str, int]
    store: VectorStore | None
    skipped: list[dict[str, str]]
    views: Mapping[str, str]
    signatures: dict[str, NDArray[np.uint32]]
    copies_threshold: float


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


@dataclass
class Plan:
    """What an update leads to: every document's records, and what changed since `previous`."""

    root: Path
    fp: dict[str, object]
    infos: list[DocumentInfo]
    chunks: list[Chunk]
    ids: list[str]
    views: dict[str, str]  # the text view of every new or changed document
    signatures: dict[str, NDArray[np.uint32]]
    skipped: list[dict[str, str]]
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    full_reason: str | None

    def manifest(self, settings: Settings, embedded: int, started: float) -> dict[str, object]:
        manifest = make_manifest(
            self.fp, settings, self.root, self.infos, self.skipped, len(self.chunks)
        )
        manifest["copies_threshold"] = settings.copies_threshold
        manifest["update"] = {
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "embedded": embedded,
            "full_reason": self.full_reason,
            "seconds": round(time.perf_counter() - started, 2),
        }
        return manifest

    def report(self, generation: str, embedded: int, started: float) -> UpdateReport:
        return UpdateReport(
            generation=generation,
            added=self.added,
            changed=self.changed,
            removed=self.removed,
            unchanged=self.unchanged,
            embedded=embedded,
            documents=tuple(self.infos),
            chunks=len(self.chunks),
            seconds=round(time.perf_counter() - started, 2),
            full_reason=self.full_reason,
            skipped=tuple(self.skipped),
        )


def plan_update(
    corpus: Corpus,
    previous: Previous | None,
    full_reason: str | None,
    settings: Settings,
    embedder: Embedder,
    layout_of: LayoutOf = default_layout,
    progress: bool = True,
    only: bool = False,
    drop: Sequence[str] = (),
    keep: Container[str] = (),
) -> Plan | None:
    """Chunk what is new or changed and list every document's records; None if nothing changed.

    Normally `corpus` is the whole corpus and what it lacks is removed, except documents in
    `keep`. With `only`, it holds just the documents to add or replace, the documents in `drop`
    are removed and the rest kept.
    """
    if not corpus.documents and not (only and drop):
        reasons = "; ".join(f"{s.doc_id}: {s.reason}" for s in corpus.skipped)
        raise CorpusError(f"Nothing to index in {str(corpus.root)!r} ({reasons or 'no files'})")
    old_docs = previous.documents if previous else {}
    docs = {d.doc_id: d for d in corpus.documents}
    fresh = [d for d in corpus.documents if _changed(d, previous)]
    fresh_ids = {d.doc_id for d in fresh}
    if only:
        removed = tuple(sorted(d for d in drop if d in old_docs and d not in docs))
        order = [d for d in old_docs if d not in removed and d not in docs] + list(docs)
        skipped = previous.skipped if previous else []
    else:
        removed = tuple(sorted(d for d in old_docs if d not in docs and d not in keep))
        order = [d for d in old_docs if d in keep and d not in docs] + list(docs)
        skipped = [asdict(s) for s in corpus.skipped]
    if (
        previous is not None
        and not fresh
        and not removed
        and skipped == previous.skipped
        and previous.copies_threshold == settings.copies_threshold
    ):
        return None
    fp = fingerprint(settings, embedder)
    made, slow = chunk_all(fresh, settings, embedder, layout_of, fingerprint_key(fp), progress)
    skipped = skipped + [asdict(s) for s in slow]
    chunks: list[Chunk] = []
    ids: list[str] = []
    infos: list[DocumentInfo] = []
    signatures: dict[str, NDArray[np.uint32]] = {}
    for doc_id in order:
        if doc_id in made:
            info, pairs = made[doc_id].info, made[doc_id].pairs
            signatures.update(made[doc_id].signatures)
        elif previous is not None and doc_id not in fresh_ids:
            info, pairs = previous.documents[doc_id], previous.chunks.get(doc_id, [])
            for a in info.articles:
                k = article_key(doc_id, a.start)
                signatures[k] = previous.signatures[k]
        else:  # too slow to chunk: reported in `skipped`
            continue
        infos.append(info)
        chunks += [c for c, _ in pairs]
        ids += [i for _, i in pairs]
    if not infos:
        reasons = "; ".join(f"{s['doc_id']}: {s['reason']}" for s in skipped)
        raise CorpusError(f"Nothing to index in {str(corpus.root)!r} ({reasons})")
    return Plan(
        root=corpus.root,
        fp=fp,
        infos=mark_copies(infos, signatures, settings.copies_threshold),
        chunks=chunks,
        ids=ids,
        views={d.doc_id: d.text for d in fresh if d.doc_id in made},
        signatures=signatures,
        skipped=skipped,
        added=tuple(d.doc_id for d in fresh if d.doc_id not in old_docs),
        changed=tuple(d.doc_id for d in fresh if d.doc_id in old_docs),
        removed=removed,
        unchanged=len(order) - len(fresh),
        full_reason=full_reason,
    )


def unchanged_report(previous: Previous, corpus: Corpus, started: float) -> UpdateReport:
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


def _changed(doc: Document, previous: Previous | None) -> bool:
    old = previous.documents.get(doc.doc_id) if previous else None
    return old is None or old.sha256 != doc.sha256 or old.uploaded != doc.uploaded


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


def fresh_vectors(
    plan: Plan, known: Container[str], embedder: Embedder, settings: Settings, progress: bool
) -> tuple[list[int], NDArray[np.float32]]:
    """Embed every chunk whose id is not `known` (vectors are reused by chunk id)."""
    missing = [i for i, cid in enumerate(plan.ids) if cid not in known]
    texts = [indexed_text(plan.chunks[i], settings.embed_titles) for i in missing]
    if not texts:
        return [], np.zeros((0, embedder.dim), dtype=np.float32)
    return missing, embedder.embed_documents(texts, progress=progress)


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
