"""An index that lives entirely in Milvus: updates write only what changed, replicas read it all.

The update is planned exactly like a folder index's (rag.index.plan.plan_update); what differs
is where the result goes. Instead of a new generation folder, the chunks and records of removed
and changed documents are deleted, those of new and changed ones inserted, the manifest names a
new generation, and the collections are flushed once. A replica loads the chunk records (not the
vectors) and the document records; dense, BM25 and hybrid search and the filters run in Milvus,
and text views are fetched when a document is read.
"""

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.corpus.chunking import Chunk
from rag.corpus.documents import Corpus, Document
from rag.corpus.metadata import Metadata
from rag.embedding.embedder import Embedder
from rag.errors import ConflictError, IndexCorruptError
from rag.index.describe import article_key, default_layout
from rag.index.load import LoadedIndex
from rag.index.milvus_lease import writer_lease
from rag.index.plan import (
    Plan,
    Previous,
    UpdateReport,
    fresh_vectors,
    indexed_text,
    plan_update,
    unchanged_report,
)
from rag.index.records import (
    FORMAT_VERSION,
    DocumentInfo,
    changed_settings,
    check_compatible,
    document_info,
    fingerprint,
)
from rag.stores.milvus_collections import (
    MilvusCollections,
    analysed,
    chunk_key,
    connect,
    milvus_errors,
    require,
)
from rag.stores.milvus_store import MilvusStore

_CHUNK_FIELDS = ("pk", "cid", "doc_id", "title", "start", "end", "text")


class MilvusHome:
    """The index named RAG_MILVUS_NAME in the Milvus at RAG_MILVUS_URI."""

    delta = True  # uploads and deletes touch only their documents: replicas share no folder

    def __init__(self, settings: Settings, embedder_of: Callable[[], Embedder]) -> None:
        self.settings, self._embedder_of = settings, embedder_of
        self.label = f"{settings.milvus_uri} ({settings.milvus_name})"
        self._collections: MilvusCollections | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        return self._embedder_of()

    @property
    def collections(self) -> MilvusCollections:
        if self._collections is None:
            client = connect(self.settings.milvus_uri, self.settings.milvus_token)
            self._collections = MilvusCollections(
                client, self.settings.milvus_name, self.embedder.dim
            )
        return self._collections

    def exists(self) -> bool:
        with milvus_errors("looking for the index"):
            return self.collections.exists()

    def current(self) -> str | None:
        """The generation the manifest names now (a small read: replicas poll it)."""
        with milvus_errors("reading the current generation"):
            collections = self.collections
            if not collections.client.has_collection(collections.blobs):
                return None  # nothing was ever built here
            return collections.blob("generation") or None

    def sync(
        self, read_corpus: Callable[[], Corpus], full: bool = False, progress: bool = True
    ) -> UpdateReport:
        """Bring the index up to date with a corpus folder (uploads are kept)."""
        return self._update(read_corpus, full, progress, only=False, drop=())

    def apply(self, corpus: Corpus, drop: Sequence[str]) -> UpdateReport:
        """Add or replace `corpus`'s documents and remove those in `drop`; keep the rest."""
        return self._update(lambda: corpus, False, False, only=True, drop=drop)

    def _update(
        self,
        read_corpus: Callable[[], Corpus],
        full: bool,
        progress: bool,
        only: bool,
        drop: Sequence[str],
    ) -> UpdateReport:
        started = time.perf_counter()
        with self._lock, milvus_errors("updating the index"), self._lease():
            corpus = read_corpus()
            fp = fingerprint(self.settings, self.embedder)
            previous, reason, keys, uploaded = self._previous(fp, full)
            if previous is None and self.collections.exists():
                if only:  # an upload must not turn into a rebuild of only itself
                    raise ConflictError(
                        f"The index must be rebuilt first ({reason}): run `rag index --full` "
                        "(documents uploaded over HTTP are kept)"
                    )
                corpus, uploaded = self._with_uploads(corpus)
            plan = plan_update(
                corpus,
                previous,
                reason,
                self.settings,
                self.embedder,
                default_layout,
                progress,
                only,
                drop,
                keep=uploaded,
            )
            if plan is None:
                assert previous is not None
                return unchanged_report(previous, corpus, started)
            if only:
                uploaded = (uploaded | {d.doc_id for d in corpus.documents}) - set(plan.removed)
            else:
                uploaded -= {d.doc_id for d in corpus.documents}
            collections = self.collections
            if previous is None:
                collections.reset()
            embedded = self._write(plan, previous, keys, progress)
            generation = self._publish(plan, previous, embedded, started, sorted(uploaded))
        return plan.report(generation, embedded, started)

    def _with_uploads(self, corpus: Corpus) -> tuple[Corpus, set[str]]:
        """A full rebuild's corpus: the folder's documents plus the ones uploaded over HTTP,
        which live only in Milvus (their stored text views are indexed again)."""
        collections = self.collections
        names = json.loads(collections.blob("manifest") or "{}").get("uploaded", [])
        infos, _ = _records(collections.blobs_named("info", names))
        views = collections.blobs_named("view", names)
        local = {d.doc_id for d in corpus.documents}
        kept = [
            _document(infos[n], views[n])
            for n in names
            if n in infos and n in views and n not in local
        ]
        documents = (*corpus.documents, *kept)
        return Corpus(corpus.root, documents, corpus.skipped), {d.doc_id for d in kept}

    @contextmanager
    def _lease(self) -> Iterator[None]:
        """The write lease, once the collections exist (the first build makes them)."""
        collections = self.collections
        if not collections.client.has_collection(collections.blobs):
            collections.create()
        with writer_lease(collections, self.settings.lock_timeout_s):
            yield

    def _previous(
        self, fp: dict[str, object], full: bool
    ) -> tuple[Previous | None, str | None, dict[str, str], set[str]]:
        """What Milvus holds now: chunk ids mapped to their rows' primary keys, and the
        documents that were uploaded over HTTP rather than indexed from a folder."""
        if full:
            return None, "a full rebuild was asked for", {}, set()
        collections = self.collections
        if not collections.exists():
            return None, "there was no index yet", {}, set()
        manifest = json.loads(collections.blob("manifest") or "{}")
        if manifest.get("format_version") != FORMAT_VERSION:
            found = manifest.get("format_version")
            return None, f"the index format changed ({found} -> {FORMAT_VERSION})", {}, set()
        reason = changed_settings(manifest, dict(fp))
        if reason:
            return None, reason, {}, set()
        documents, signatures = _records(collections.all_blobs("info"))
        chunks: dict[str, list[tuple[Chunk, str]]] = {}
        keys: dict[str, str] = {}
        for row in collections.chunk_rows(_CHUNK_FIELDS):
            chunks.setdefault(row["doc_id"], []).append((_chunk(row), row["cid"]))
            keys.setdefault(row["cid"], row["pk"])
        for pairs in chunks.values():
            pairs.sort(key=lambda pair: (pair[0].start, pair[0].end))
        previous = Previous(
            manifest["generation"],
            chunks,
            {d: documents[d] for d in manifest["corpus"] if d in documents},
            {},
            None,
            manifest["skipped"],
            {},
            signatures,
            manifest["copies_threshold"],
        )
        return previous, None, keys, set(manifest.get("uploaded", []))

    def _write(
        self, plan: Plan, previous: Previous | None, keys: dict[str, str], progress: bool
    ) -> int:
        """Delete what was removed or replaced, insert what is new; returns chunks embedded."""
        collections = self.collections
        collections.delete_documents([*plan.removed, *plan.changed])
        fresh = set(plan.views)
        rows = [i for i, c in enumerate(plan.chunks) if c.doc_id in fresh]
        fresh_ids = {plan.ids[i] for i in rows}
        known = {cid: key for cid, key in keys.items() if cid in fresh_ids}
        missing, vectors = fresh_vectors(plan, known, self.embedder, self.settings, progress)
        dense = dict(zip(missing, vectors, strict=True))
        reused = [i for i in rows if i not in dense]
        if reused:  # a renamed copy of an indexed file: same chunk ids, same vectors
            found = collections.vectors([known[plan.ids[i]] for i in reused])
            dense.update(zip(reused, found, strict=True))
        infos = {i.doc_id: i for i in plan.infos}
        collections.insert_chunks(
            [
                self._row(plan.chunks[i], plan.ids[i], infos[plan.chunks[i].doc_id], dense[i])
                for i in rows
            ]
        )
        old = previous.documents if previous else {}
        changed = [i for i in plan.infos if i.doc_id in fresh or old.get(i.doc_id) != i]
        collections.put_blobs("info", {i.doc_id: _record(i, plan.signatures) for i in changed})
        collections.put_blobs("view", plan.views)
        return len(missing)

    def _row(
        self, chunk: Chunk, cid: str, info: DocumentInfo, vector: np.ndarray
    ) -> dict[str, Any]:
        article = info.article_at(chunk.start)
        return {
            "pk": chunk_key(chunk.doc_id, cid),
            "cid": cid,
            "doc_id": chunk.doc_id,
            "file": info.file,
            "start": chunk.start,
            "end": chunk.end,
            "title": chunk.title,
            "text": chunk.text,
            "lexical": analysed(indexed_text(chunk, self.settings.embed_titles)),
            "dense": np.asarray(vector, dtype=np.float32).tolist(),
            "published": article.published,
            "outlet": article.outlet.casefold() if article.outlet else None,
        }

    def _publish(
        self,
        plan: Plan,
        previous: Previous | None,
        embedded: int,
        started: float,
        uploaded: list[str],
    ) -> str:
        """Name a new generation in the manifest, then flush once (rows search fast once flushed)."""
        collections = self.collections
        manifest = plan.manifest(self.settings, embedded, started)
        number = int((previous.generation if previous else "gen-0").split("-")[1]) + 1
        generation = f"gen-{number:06d}-{secrets.token_hex(4)}"
        manifest["generation"] = generation
        manifest["uploaded"] = uploaded  # kept when `rag index` syncs a folder that lacks them
        collections.put_blobs("meta", {"manifest": json.dumps(manifest, ensure_ascii=False)})
        collections.put_blobs("meta", {"generation": generation})
        collections.flush()
        return generation

    def load(self) -> LoadedIndex:
        """The current generation: chunk and document records in memory, the rest in Milvus."""
        with milvus_errors("loading the index"):
            return self._load()

    def _load(self) -> LoadedIndex:
        collections = self.collections
        require(collections, self.settings.milvus_uri)
        manifest = json.loads(collections.blob("manifest") or "{}")
        check_compatible(manifest, self.label, self.settings, self.embedder)
        documents, _ = _records(collections.all_blobs("info"))
        order = {d: n for n, d in enumerate(manifest["corpus"])}
        rows = sorted(
            (r for r in collections.chunk_rows(_CHUNK_FIELDS) if r["doc_id"] in order),
            key=lambda r: (order[r["doc_id"]], r["start"], r["end"]),
        )
        store = MilvusStore(collections, [r["pk"] for r in rows])
        return LoadedIndex(
            folder=Path(f"milvus:{self.settings.milvus_name}") / manifest["generation"],
            manifest=manifest,
            chunks=[_chunk(r) for r in rows],
            chunk_ids=[r["cid"] for r in rows],
            documents=[documents[d] for d in manifest["corpus"] if d in documents],
            store=store,
            lexical=None,
            views=_Views(collections, list(order)),
            all_views=True,
        )

    def check(self) -> dict[str, Any]:
        """Load the index; compare the row count with the manifest and every chunk with its
        document's stored text view."""
        index = self.load()
        rows, expected = self.collections.count(), index.manifest["counts"]["chunks"]
        problem = None
        if rows != expected or len(index.chunks) != expected:
            problem = f"Milvus holds {rows:,} chunk rows, the manifest {expected:,}"
        else:
            by_doc: dict[str, list[Chunk]] = {}
            for chunk in index.chunks:
                by_doc.setdefault(chunk.doc_id, []).append(chunk)
            bad = [d for d, chunks in by_doc.items() if _mismatch(index.views[d], chunks)]
            if bad:
                problem = f"chunks of {', '.join(bad[:5])} do not match their text views"
        if problem:
            raise IndexCorruptError(f"{problem} in {self.label}: rebuild with `rag index --full`")
        return {
            "generation": index.generation,
            "documents": len(index.documents),
            "chunks": len(index.chunks),
            "verified": f"{rows:,} chunk rows in Milvus, as the manifest says",
            "stale": [],
        }


def _mismatch(view: str, chunks: Sequence[Chunk]) -> bool:
    return any(view[c.start : c.end] != c.text for c in chunks)


class _Views(Mapping[str, str]):
    """Text views fetched from Milvus when read (a replica holds none of them)."""

    def __init__(self, collections: MilvusCollections, names: list[str]) -> None:
        self._collections, self._names = collections, names

    def __getitem__(self, name: str) -> str:
        with milvus_errors("reading a document"):
            found = self._collections.blob(name, "view")
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _document(info: DocumentInfo, view: str) -> Document:
    """An uploaded document rebuilt from what the index stored of it."""
    first = info.articles[0] if info.articles else None
    meta = (
        Metadata(**{f.name: getattr(first, f.name) for f in fields(Metadata)})
        if first and info.format != "text"
        else Metadata()
    )
    return Document(
        info.doc_id, Path(info.file), view, info.sha256, info.format, meta, info.pages, True, True
    )


def _chunk(row: dict[str, Any]) -> Chunk:
    return Chunk(row["doc_id"], row["title"], row["start"], row["end"], row["text"])


def _record(info: DocumentInfo, signatures: Mapping[str, np.ndarray]) -> str:
    keys = [article_key(info.doc_id, a.start) for a in info.articles]
    found = {k: signatures[k].tolist() for k in keys if k in signatures}
    return json.dumps({"info": asdict(info), "signatures": found}, ensure_ascii=False)


def _records(
    blobs: Mapping[str, str],
) -> tuple[dict[str, DocumentInfo], dict[str, np.ndarray]]:
    documents, signatures = {}, {}
    for name, body in blobs.items():
        record = json.loads(body)
        documents[name] = document_info(record["info"])
        for key, values in record["signatures"].items():
            signatures[key] = np.asarray(values, dtype=np.uint32)
    return documents, signatures
