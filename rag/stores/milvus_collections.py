"""The two Milvus collections of one index, and how rows, blobs and searches look in them.

One code path for embedded milvus-lite (`RAG_MILVUS_URI` a local file) and a Milvus server
or cluster (`http(s)://host:19530`):

- `<name>_chunks`: one row per chunk with its dense vector (HNSW, cosine), its text analysed
  for Milvus's own BM25 (a `Function` filling a sparse field), its span and the fields filters
  use (doc_id, file, published, casefolded outlet);
- `<name>_blobs`: JSON documents cut into pieces: the manifest, each document's record and
  each document's text view, so a replica needs nothing on its own disk.

milvus-lite returns BM25 distances with the opposite sign of a server's, so only ranks are used.
"""

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rag.errors import IndexNotFoundError, MissingDependencyError, StorageError

PIECE = 16_000  # characters per blob row: under Milvus's 65,535-byte VARCHAR in any script
_MAX_TEXT = 65_535
_BATCH = 512
# Reads an update plans from must see every write another replica has published.
STRONG = {"consistency_level": "Strong"}


def connect(uri: str, token: str = "") -> Any:
    """A MilvusClient; a local path opens (and creates) an embedded milvus-lite database."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise MissingDependencyError(
            "RAG_STORE=milvus needs pymilvus and milvus-lite: pip install 'newsrag[milvus]'"
        ) from exc

    # query_iterator asks milvus-lite for a timestamp it does not implement, then falls back;
    # both sides log that harmless detour as a warning and a traceback on every read
    logging.getLogger("pymilvus").setLevel(logging.ERROR)
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)  # its failures reach us anyway
    if "://" not in uri:
        Path(uri).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        uri = str(Path(uri).expanduser().resolve())
    try:
        return MilvusClient(uri=uri, token=token)
    except Exception as exc:  # noqa: BLE001 - pymilvus raises many kinds; all mean "cannot open"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StorageError(
            f"Cannot open Milvus at {uri!r} ({first}). A milvus-lite file opens in one process "
            "only: for several, run `milvus-lite server --data-dir DIR --port 19530` and set "
            "RAG_MILVUS_URI=http://127.0.0.1:19530"
        ) from exc


@contextmanager
def milvus_errors(doing: str) -> Iterator[None]:
    """Milvus's own errors as one StorageError line saying what was being done."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        raise StorageError(f"Milvus failed while {doing}: {exc.message}") from exc


def chunk_key(doc_id: str, cid: str) -> str:
    """A chunk row's primary key: identical files share chunk ids, so the document is in it."""
    return hashlib.sha256(f"{doc_id}\x1f{cid}".encode()).hexdigest()[:40]


def multiplicities(dense: float, lexical: float) -> tuple[int, int]:
    """Small whole numbers in the ratio of two weights (to within a denominator of 4)."""
    if dense <= 0 or lexical <= 0:
        return (1, 0) if lexical <= 0 else (0, 1)
    ratio = Fraction(lexical / dense).limit_denominator(4)
    return max(ratio.denominator, 1), max(ratio.numerator, 1)


def analysed(text: str) -> str:
    """The text as the BM25 field stores it: our own stemmed, stopword-free tokens.

    milvus-lite ignores analyzer filters (no stemming, no stop words), so the analysis is done
    here, the same as for the FAISS home's bm25s index; "407-1" is kept whole as "407_1".
    """
    from rag.stores.lexical import tokenize

    return " ".join(t.replace("-", "_") for t in tokenize(text)) or "_"


def quote(value: str) -> str:
    """A Milvus filter string literal (JSON escaping is what the expression parser reads)."""
    return json.dumps(value, ensure_ascii=False)


class MilvusCollections:
    """Creates, writes and reads the two collections of one index."""

    def __init__(self, client: Any, name: str, dim: int) -> None:
        self.client, self.dim = client, dim
        self.chunks, self.blobs = f"{name}_chunks", f"{name}_blobs"
        with milvus_errors("opening the index"):
            for collection in (self.chunks, self.blobs):
                if client.has_collection(collection):  # a reopened database starts released
                    client.load_collection(collection)

    def exists(self) -> bool:
        return bool(self.client.has_collection(self.blobs)) and self.blob("manifest") is not None

    def create(self) -> None:
        """Make the collections if they are missing (an existing index is kept)."""
        if not self.client.has_collection(self.chunks):
            self._create_chunks()
        if not self.client.has_collection(self.blobs):
            self._create_blobs()

    def _create_chunks(self) -> None:
        """Chunk rows: text, the dense vector, the BM25 sparse vector Milvus derives, filters."""
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("cid", DataType.VARCHAR, max_length=64)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=4096)
        schema.add_field("file", DataType.VARCHAR, max_length=4096)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("title", DataType.VARCHAR, max_length=_MAX_TEXT, nullable=True)
        schema.add_field("text", DataType.VARCHAR, max_length=_MAX_TEXT)
        schema.add_field(
            "lexical",
            DataType.VARCHAR,
            max_length=_MAX_TEXT,
            enable_analyzer=True,
            analyzer_params={"tokenizer": "standard"},
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("published", DataType.VARCHAR, max_length=32, nullable=True)
        schema.add_field("outlet", DataType.VARCHAR, max_length=4096, nullable=True)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["lexical"],
                output_field_names=["sparse"],
            )
        )
        params = self.client.prepare_index_params()
        params.add_index(
            "dense",
            index_type="HNSW",
            metric_type="COSINE",
            params={"M": 16, "efConstruction": 200},
        )
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        self.client.create_collection(self.chunks, schema=schema, index_params=params)

    def _create_blobs(self) -> None:
        """Named texts in parts: the manifest, document records, text views, the write lease."""
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=8192)
        schema.add_field("kind", DataType.VARCHAR, max_length=16)
        schema.add_field("name", DataType.VARCHAR, max_length=4096)
        schema.add_field("part", DataType.INT64)
        schema.add_field("body", DataType.VARCHAR, max_length=_MAX_TEXT)
        schema.add_field("pad", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants one vector field
        params = self.client.prepare_index_params()
        params.add_index("pad", index_type="FLAT", metric_type="L2")
        self.client.create_collection(self.blobs, schema=schema, index_params=params)

    def drop(self) -> None:
        for name in (self.chunks, self.blobs):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    def reset(self) -> None:
        """Empty the index for a full rebuild: the chunks collection is made anew (its vector size
        may have changed), every blob goes except the write lease its writer holds."""
        if self.client.has_collection(self.chunks):
            self.client.drop_collection(self.chunks)
        if self.client.has_collection(self.blobs):
            self.client.delete(self.blobs, filter='kind != "lease"')
        self.create()

    # -- chunks --------------------------------------------------------------------------

    def insert_chunks(self, rows: Sequence[dict[str, Any]]) -> None:
        for i in range(0, len(rows), _BATCH):
            self.client.upsert(self.chunks, list(rows[i : i + _BATCH]))

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Every chunk and blob of these documents."""
        ids = sorted(set(doc_ids))
        for i in range(0, len(ids), _BATCH):
            listed = ", ".join(quote(d) for d in ids[i : i + _BATCH])
            self.client.delete(self.chunks, filter=f"doc_id in [{listed}]")
            self.client.delete(
                self.blobs, filter=f'kind in ["info", "view"] and name in [{listed}]'
            )

    def chunk_rows(self, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every chunk row (some fields of it), in no particular order."""
        iterator = self.client.query_iterator(
            self.chunks, batch_size=2000, filter='pk != ""', output_fields=list(fields), **STRONG
        )
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()

    def vectors(self, keys: Sequence[str]) -> NDArray[np.float32]:
        """The stored dense vectors of some chunk rows, in the order asked."""
        found: dict[str, list[float]] = {}
        for i in range(0, len(keys), _BATCH):
            for row in self.client.get(
                self.chunks, ids=list(keys[i : i + _BATCH]), output_fields=["dense"]
            ):
                found[row["pk"]] = row["dense"]
        return np.array([found[k] for k in keys], dtype=np.float32).reshape(len(keys), self.dim)

    def count(self) -> int:
        rows = self.client.query(self.chunks, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def flush(self) -> None:
        self.client.flush(self.chunks)
        self.client.flush(self.blobs)

    # -- search --------------------------------------------------------------------------

    def dense(
        self, vectors: NDArray[np.float32], k: int, expr: str
    ) -> list[list[tuple[str, float]]]:
        found = self.client.search(
            self.chunks,
            data=[v.tolist() for v in vectors],
            anns_field="dense",
            limit=k,
            filter=expr,
            search_params={"metric_type": "COSINE", "params": {"ef": max(64, k)}},
            output_fields=["pk"],
        )
        return [[(hit["pk"], float(hit["distance"])) for hit in hits] for hits in found]

    def lexical(self, question: str, k: int, expr: str) -> list[tuple[str, float]]:
        found = self.client.search(
            self.chunks,
            data=[analysed(question)],
            anns_field="sparse",
            limit=k,
            filter=expr,
            output_fields=["pk"],
        )
        return [(hit["pk"], float(len(found[0]) - rank)) for rank, hit in enumerate(found[0])]

    def hybrid(
        self,
        vector: NDArray[np.float32],
        question: str,
        k: int,
        expr: str,
        rrf_k: int,
        weights: tuple[float, float] = (1.0, 1.0),
    ) -> list[tuple[str, float]]:
        """Dense and BM25 fused by Milvus's RRFRanker; the filter goes into every request.

        RRFRanker has no weights, but RRF is a sum over requests, so sending each ranking as
        often as its weight's share (1.0 : 1.5 is sent 2 : 3) fuses with the tuned weights.
        """
        from pymilvus import AnnSearchRequest, RRFRanker

        dense = AnnSearchRequest(
            [vector.tolist()],
            "dense",
            {"metric_type": "COSINE", "params": {"ef": max(64, k)}},
            k,
            expr=expr,
        )
        lexical = AnnSearchRequest([analysed(question)], "sparse", {}, k, expr=expr)
        times = multiplicities(*weights)
        requests = [dense] * times[0] + [lexical] * times[1]
        found = self.client.hybrid_search(
            self.chunks, requests, RRFRanker(rrf_k), limit=k, output_fields=["pk"]
        )
        return [(hit["pk"], float(hit["distance"])) for hit in found[0]]

    # -- blobs ---------------------------------------------------------------------------

    def put_blobs(self, kind: str, items: dict[str, str]) -> None:
        """Store texts by name, replacing what was stored under those names."""
        if not items:
            return
        listed = ", ".join(quote(n) for n in items)
        self.client.delete(self.blobs, filter=f"kind == {quote(kind)} and name in [{listed}]")
        rows = [
            {
                "key": f"{kind}\x1f{name}\x1f{part}",
                "kind": kind,
                "name": name,
                "part": part,
                "body": text[start : start + PIECE],
                "pad": [0.0, 0.0],
            }
            for name, text in items.items()
            for part, start in enumerate(range(0, max(len(text), 1), PIECE))
        ]
        for i in range(0, len(rows), _BATCH):
            self.client.upsert(self.blobs, rows[i : i + _BATCH])

    def forget(self, kind: str, name: str) -> None:
        self.client.delete(self.blobs, filter=f"kind == {quote(kind)} and name == {quote(name)}")

    def blob(self, name: str, kind: str = "meta") -> str | None:
        return self.blobs_named(kind, [name]).get(name)

    def blobs_named(self, kind: str, names: Sequence[str]) -> dict[str, str]:
        listed = ", ".join(quote(n) for n in names)
        return _join(
            self.client.query(
                self.blobs,
                filter=f"kind == {quote(kind)} and name in [{listed}]",
                output_fields=["name", "part", "body"],
                **STRONG,
            )
        )

    def all_blobs(self, kind: str) -> dict[str, str]:
        iterator = self.client.query_iterator(
            self.blobs,
            batch_size=2000,
            filter=f"kind == {quote(kind)}",
            output_fields=["name", "part", "body"],
            **STRONG,
        )
        rows: list[dict[str, Any]] = []
        try:
            while batch := iterator.next():
                rows += batch
        finally:
            iterator.close()
        return _join(rows)


def _join(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    parts: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        parts.setdefault(row["name"], []).append((row["part"], row["body"]))
    return {name: "".join(body for _, body in sorted(pieces)) for name, pieces in parts.items()}


def require(collections: MilvusCollections, uri: str) -> None:
    if not collections.exists():
        raise IndexNotFoundError(
            f"No index named {collections.chunks.removesuffix('_chunks')!r} in Milvus at "
            f"{uri!r}: build one with `RAG_STORE=milvus rag index`"
        )
