"""One contract for every VectorStore backend: FAISS exact, FAISS HNSW and Milvus (milvus-lite)."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import registry
from rag.stores.base import VectorStore
from rag.stores.faiss_store import FaissStore

DIM = 32
Reopen = Callable[[VectorStore, Path], VectorStore]


def _faiss(approximate: bool) -> tuple[Callable[[Path], VectorStore], Reopen]:
    def make(_: Path) -> VectorStore:
        return FaissStore(DIM, approximate=approximate)

    def reopen(store: VectorStore, folder: Path) -> VectorStore:
        store.save(folder)
        return FaissStore.load(folder)

    return make, reopen


def _milvus() -> tuple[Callable[[Path], VectorStore], Reopen]:
    from rag.stores.milvus_collections import MilvusCollections, connect
    from rag.stores.milvus_store import MilvusStore

    def make(folder: Path) -> VectorStore:
        collections = MilvusCollections(connect(str(folder / "m.db")), "contract", DIM)
        collections.create()
        return MilvusStore(collections)

    def reopen(store: VectorStore, folder: Path) -> VectorStore:
        assert isinstance(store, MilvusStore)
        store.save(folder)
        keys = list(store.keys)
        store.collections.client.close()
        collections = MilvusCollections(connect(str(folder / "m.db")), "contract", DIM)
        return MilvusStore(collections, keys)

    return make, reopen


BACKENDS: dict[str, Callable[[], tuple[Callable[[Path], VectorStore], Reopen]]] = {
    "faiss-flat": lambda: _faiss(False),
    "faiss-hnsw": lambda: _faiss(True),
    "milvus-lite": _milvus,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: Any, tmp_path: Path) -> Iterator[tuple[VectorStore, Reopen, Path]]:
    make, reopen = BACKENDS[request.param]()
    yield make(tmp_path), reopen, tmp_path


def unit(rows: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_every_store_backend_is_registered() -> None:
    assert set(registry.names("store")) == {"faiss", "milvus"}


def test_rows_get_ids_in_order_and_the_nearest_comes_first(backend) -> None:  # type: ignore[no-untyped-def]
    store, _, _ = backend
    vectors = unit(200)
    store.add(vectors[:120])
    store.add(vectors[120:])
    assert len(store) == 200
    scores, ids = store.search(vectors[[5, 150]], 3)
    assert ids.shape == (2, 3) and list(ids[:, 0]) == [5, 150]
    assert np.allclose(scores[:, 0], 1.0, atol=1e-4)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first
    assert np.allclose(store.vectors([7, 150]), vectors[[7, 150]], atol=1e-5)


def test_a_filter_returns_only_allowed_rows(backend) -> None:  # type: ignore[no-untyped-def]
    store, _, _ = backend
    vectors = unit(100, seed=1)
    store.add(vectors)
    allowed = np.zeros(100, dtype=bool)
    allowed[[3, 40, 77]] = True
    scores, ids = store.search(vectors[[40]], 10, allowed)
    found = [int(i) for i in ids[0] if i >= 0]
    assert found[0] == 40 and set(found) <= {3, 40, 77} and len(found) == 3


def test_a_store_survives_save_and_reopen(backend) -> None:  # type: ignore[no-untyped-def]
    store, reopen, folder = backend
    vectors = unit(64, seed=2)
    store.add(vectors)
    before = store.search(vectors[:4], 5)
    again = reopen(store, folder)
    after = again.search(vectors[:4], 5)
    assert len(again) == 64
    assert np.array_equal(before[1], after[1])
    assert np.allclose(before[0], after[0], atol=1e-5)


def test_k_larger_than_the_store_pads_nothing_past_the_rows(backend) -> None:  # type: ignore[no-untyped-def]
    store, _, _ = backend
    store.add(unit(4, seed=3))
    scores, ids = store.search(unit(1, seed=4), 10)
    assert sorted(int(i) for i in ids[0] if i >= 0) == [0, 1, 2, 3]
