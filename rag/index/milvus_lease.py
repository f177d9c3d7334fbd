"""One writer at a time across replicas that share a Milvus: a lease kept in the index itself.

Milvus has no compare-and-set, so a replica claims the lease, waits a moment for a rival's claim
to land, and reads it back: whoever is named then writes; the other retries. A holder renews the
lease while it works; a replica killed while holding it blocks the others only until it expires.
"""

import json
import random
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rag.errors import IndexBusyError
from rag.stores.milvus_collections import MilvusCollections

KIND, NAME = "lease", "writer"
TTL_S = 30.0  # a holder renews every TTL_S / 3
SETTLE_S = 0.25  # how long a claim waits for a rival's claim before reading back


@contextmanager
def writer_lease(collections: MilvusCollections, timeout_s: float) -> Iterator[None]:
    """Hold the index's write lease for the block; IndexBusyError (503, retry) after `timeout_s`."""
    me = secrets.token_hex(8)
    deadline = time.monotonic() + timeout_s
    while not _claim(collections, me):
        if time.monotonic() > deadline:
            raise IndexBusyError(
                f"Another replica has been writing this Milvus index for over {timeout_s:g} s: "
                "retry shortly, or raise RAG_LOCK_TIMEOUT_S"
            )
        time.sleep(random.uniform(0.05, 0.3))
    done = threading.Event()
    renewer = threading.Thread(target=_renew, args=(collections, me, done), daemon=True)
    renewer.start()
    try:
        yield
    finally:
        done.set()
        renewer.join()
        if _holder(collections) == me:
            collections.forget(KIND, NAME)


def _claim(collections: MilvusCollections, me: str) -> bool:
    holder = _holder(collections)
    if holder is not None and holder != me:
        return False
    _write(collections, me)
    time.sleep(SETTLE_S)
    return _holder(collections) == me


def _holder(collections: MilvusCollections) -> str | None:
    """Who holds an unexpired lease now, if anyone."""
    body = collections.blob(NAME, KIND)
    if not body:
        return None
    lease = json.loads(body)
    return str(lease["owner"]) if lease["until"] > time.time() else None


def _write(collections: MilvusCollections, me: str) -> None:
    collections.put_blobs(KIND, {NAME: json.dumps({"owner": me, "until": time.time() + TTL_S})})


def _renew(collections: MilvusCollections, me: str, done: threading.Event) -> None:
    while not done.wait(TTL_S / 3):
        if _holder(collections) == me:
            _write(collections, me)
