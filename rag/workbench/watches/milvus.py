"""Watches in Milvus, beside the index they watch, so every replica sees the same ones."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from rag.stores.milvus_collections import MilvusCollections, milvus_errors
from rag.workbench.watches.base import Watch

KIND = "watch"


class MilvusWatches:
    """One blob per watch. Replicas serialise only within a process; two replicas re-checking
    the same generation at once may each record its change (rare: re-checks follow a reload)."""

    def __init__(self, collections: MilvusCollections) -> None:
        self.collections = collections
        self._lock = threading.Lock()

    def all(self) -> list[Watch]:
        with milvus_errors("reading the watched questions"):
            texts = self.collections.all_blobs(KIND).values()
        return [w for w in map(_parse, texts) if w]

    def get(self, watch_id: str) -> Watch | None:
        with milvus_errors("reading a watched question"):
            text = self.collections.blob(watch_id, KIND)
        return _parse(text) if text is not None else None

    def put(self, watch: Watch) -> None:
        with milvus_errors("saving a watched question"):
            self.collections.put_blobs(KIND, {watch.id: watch.model_dump_json()})

    def delete(self, watch_id: str) -> bool:
        existed = self.get(watch_id) is not None
        with milvus_errors("removing a watched question"):
            self.collections.forget(KIND, watch_id)
        return existed

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield


def _parse(text: str) -> Watch | None:
    try:
        return Watch.model_validate_json(text)
    except ValidationError:
        return None
