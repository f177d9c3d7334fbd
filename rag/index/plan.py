"""The update plan both index homes share: what the index holds before an update (`Previous`),
what a corpus changes in it (`plan_update` -> `Plan`), and the vectors that must be embedded.

A folder home writes a plan as a new generation (update.py), the Milvus home as deletes and
inserts (milvus_home.py); neither reaches into the other.
"""

import time
from collections.abc import Container, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rag.config import Settings
from rag.corpus.chunking import Chunk
from rag.corpus.documents import Corpus, Document
from rag.embedding.embedder import Embedder
from rag.errors import CorpusError, InvalidDocumentError
from rag.index.describe import article_key, default_layout, mark_copies
from rag.index.prepare import LayoutOf, Made, chunk_all
from rag.index.records import DocumentInfo, fingerprint, fingerprint_key, make_manifest
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
    fresh = [d for d in corpus.documents if _changed(d, previous)]
    removed, order, skipped = _scope(corpus, previous, only, drop, keep)
    if previous is not None and not (
        fresh or removed or _other_changes(previous, skipped, settings)
    ):
        return None
    fp = fingerprint(settings, embedder)
    made, slow = chunk_all(fresh, settings, embedder, layout_of, fingerprint_key(fp), progress)
    skipped = skipped + [asdict(s) for s in slow]
    infos, chunks, ids, signatures = _records(order, made, previous, {d.doc_id for d in fresh})
    if not infos or not chunks:
        _nothing_to_search(corpus.root, infos, skipped)
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


def _nothing_to_search(
    root: Path, infos: list[DocumentInfo], skipped: list[dict[str, str]]
) -> None:
    """Why the archive would hold nothing to search: every file skipped (CorpusError), or
    documents without a word in them ("Øç©": InvalidDocumentError, an upload's 422)."""
    empty = [f"{i.doc_id}: no words to search" for i in infos]
    reasons = "; ".join([*(f"{s['doc_id']}: {s['reason']}" for s in skipped), *empty])
    problem = f"Nothing to index in {str(root)!r} ({reasons})"
    if infos:
        raise InvalidDocumentError(problem)
    raise CorpusError(problem)


def _other_changes(previous: Previous, skipped: list[dict[str, str]], settings: Settings) -> bool:
    """Whether anything besides the documents changed: the skipped list or the copies cut-off."""
    return skipped != previous.skipped or previous.copies_threshold != settings.copies_threshold


def _scope(
    corpus: Corpus,
    previous: Previous | None,
    only: bool,
    drop: Sequence[str],
    keep: Container[str],
) -> tuple[tuple[str, ...], list[str], list[dict[str, str]]]:
    """Which documents go, the order of those that stay, and what is reported as skipped."""
    old_docs = previous.documents if previous else {}
    docs = [d.doc_id for d in corpus.documents]
    present = set(docs)
    if only:
        removed = tuple(sorted(d for d in drop if d in old_docs and d not in present))
        order = [d for d in old_docs if d not in removed and d not in present] + docs
        return removed, order, previous.skipped if previous else []
    removed = tuple(sorted(d for d in old_docs if d not in present and d not in keep))
    order = [d for d in old_docs if d in keep and d not in present] + docs
    return removed, order, [asdict(s) for s in corpus.skipped]


def _records(
    order: list[str], made: dict[str, Made], previous: Previous | None, fresh: set[str]
) -> tuple[list[DocumentInfo], list[Chunk], list[str], dict[str, NDArray[np.uint32]]]:
    """Every kept document's records: freshly chunked, or carried over from `previous`."""
    chunks: list[Chunk] = []
    ids: list[str] = []
    infos: list[DocumentInfo] = []
    signatures: dict[str, NDArray[np.uint32]] = {}
    for doc_id in order:
        if doc_id in made:
            info, pairs = made[doc_id].info, made[doc_id].pairs
            signatures.update(made[doc_id].signatures)
        elif previous is not None and doc_id not in fresh:
            info, pairs = previous.documents[doc_id], previous.chunks.get(doc_id, [])
            for a in info.articles:
                k = article_key(doc_id, a.start)
                signatures[k] = previous.signatures[k]
        else:  # too slow or too big to chunk: reported in `skipped`
            continue
        infos.append(info)
        chunks += [c for c, _ in pairs]
        ids += [i for _, i in pairs]
    return infos, chunks, ids, signatures


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


def fresh_vectors(
    plan: Plan, known: Container[str], embedder: Embedder, settings: Settings, progress: bool
) -> tuple[list[int], NDArray[np.float32]]:
    """Embed every chunk whose id is not `known` (vectors are reused by chunk id)."""
    missing = [i for i, cid in enumerate(plan.ids) if cid not in known]
    texts = [indexed_text(plan.chunks[i], settings.embed_titles) for i in missing]
    if not texts:
        return [], np.zeros((0, embedder.dim), dtype=np.float32)
    return missing, embedder.embed_documents(texts, progress=progress)
