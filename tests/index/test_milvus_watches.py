"""Watched questions on a Milvus deployment: saved through one `rag serve` replica, re-answered
when an upload through the other replica publishes a new generation, and the change seen from
both (the watches live in Milvus with the index)."""

import time
from pathlib import Path

import httpx

from tests.formats import BEEKEEPER
from tests.index.test_milvus import RUN, milvus_server, start_replicas

__all__ = ["milvus_server"]  # the fixture, shared with test_milvus.py

QUESTION = "How much heather honey did the Fenwick beekeepers collect?"


def test_a_watch_saved_on_one_replica_records_an_upload_through_the_other(
    run_cli: RUN, tmp_path: Path, milvus_server: str
) -> None:
    replicas, _ = start_replicas(run_cli, tmp_path, milvus_server)
    (_, a), (_, b) = replicas
    try:
        saved = httpx.post(f"{b}/watches", json={"question": QUESTION}, timeout=60)
        assert saved.status_code == 201, saved.text
        watch = saved.json()
        assert not watch["last"]["answerable"]
        upload = {"doc_id": "bees.txt", "text": BEEKEEPER}
        assert httpx.post(f"{a}/documents", json=upload, timeout=120).status_code == 201
        deadline = time.monotonic() + 20
        while not (seen := httpx.get(f"{b}/watches/{watch['id']}").json())["history"]:
            assert time.monotonic() < deadline, "no replica recorded the change"
            time.sleep(0.2)
        change = seen["history"][0]
        assert change["after"]["answerable"] and "2.3 tonnes" in change["after"]["answer"]
        assert change["summary"].startswith("now answered from the archive")
        assert httpx.get(f"{a}/watches").json()["watches"][0]["history"] == seen["history"]
    finally:
        for proc, _ in replicas:
            proc.terminate()
            proc.wait(timeout=30)
