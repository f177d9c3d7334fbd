"""Growth curve: FAISS exact, FAISS HNSW and milvus-lite from 10k to a million chunks.

python -m eval.bench_scale [--sizes 10000,100000,1000000] [--milvus-max 100000]
                           [--json eval/results/bench_scale.json] [--plot eval/bench_scale.png]

Vectors are synthetic (unit vectors around 2,000 topic centres, 384 dimensions like
all-MiniLM-L6-v2); questions are 200 perturbed copies of stored vectors. Each (backend, size)
runs in a fresh process, through the same VectorStore seam the service uses, and reports build
time, resident memory added (the process and its children: milvus-lite runs a server process),
query p50/p99 with one client and with eight, and recall@10 against exact search.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval.report import publish

DIM, K, QUESTIONS = 384, 10, 200


def vectors(n: int, seed: int = 7) -> np.ndarray:
    """Unit vectors in topical clusters, so nearest neighbours mean something."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2000, DIM)).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        picked = centres[rng.integers(0, len(centres), stop - start)]
        out[start:stop] = picked + 0.9 * rng.normal(size=(stop - start, DIM)).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def questions(data: np.ndarray, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picked = data[rng.integers(0, len(data), QUESTIONS)]
    noisy = picked + 0.6 * rng.normal(size=picked.shape).astype(np.float32) / np.sqrt(DIM)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def rss_mib(pid: int | None = None) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    pid = pid or os.getpid()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo += [int(c) for c in children]
        except (OSError, StopIteration):
            continue
    return total / 1024


def make_store(backend: str, folder: Path) -> Any:
    if backend == "milvus-lite":
        from rag.stores.milvus_collections import MilvusCollections, connect
        from rag.stores.milvus_store import MilvusStore

        collections = MilvusCollections(connect(str(folder / "scale.db")), "scale", DIM)
        collections.create()
        return MilvusStore(collections)
    from rag.stores.faiss_store import FaissStore

    return FaissStore(DIM, approximate=backend == "faiss-hnsw")


def latencies(store: Any, queries: np.ndarray, clients: int) -> list[float]:
    """Milliseconds per single-question search, `clients` threads at once."""
    out: list[float] = []
    lock = threading.Lock()

    def work(part: np.ndarray) -> None:
        for q in part:
            started = time.perf_counter()
            store.search(q[None, :], K)
            with lock:
                out.append((time.perf_counter() - started) * 1e3)

    threads = [threading.Thread(target=work, args=(p,)) for p in np.array_split(queries, clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def one(backend: str, size: int) -> dict[str, Any]:
    """Measure one backend at one size (run in its own process)."""
    data = vectors(size)
    queries = questions(data)
    exact = data @ queries.T
    truth = np.argpartition(-exact, K, axis=0)[:K].T
    del exact
    with tempfile.TemporaryDirectory() as tmp:
        before = rss_mib()
        started = time.perf_counter()
        store = make_store(backend, Path(tmp))
        for start in range(0, size, 50_000):
            store.add(data[start : start + 50_000])
        store.save(Path(tmp))
        build = time.perf_counter() - started
        memory = rss_mib() - before
        latencies(store, queries[:20], 1)  # warm-up
        single = latencies(store, queries, 1)
        started = time.perf_counter()
        eight = latencies(store, queries, 8)
        wall = time.perf_counter() - started
        _, found = store.search(queries, K)
        recall = float(
            np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)])
        )
    return {
        "backend": backend,
        "chunks": size,
        "build_s": round(build, 1),
        "memory_mib": round(memory),
        "p50_c1_ms": round(statistics.median(single), 2),
        "p99_c1_ms": round(float(np.percentile(single, 99)), 2),
        "p50_c8_ms": round(statistics.median(eight), 2),
        "p99_c8_ms": round(float(np.percentile(eight, 99)), 2),
        "qps_c8": round(len(eight) / wall, 1),
        "recall@10": round(recall, 4),
    }


def plot(rows: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for backend in sorted({r["backend"] for r in rows}):
        mine = [r for r in rows if r["backend"] == backend]
        sizes = [r["chunks"] for r in mine]
        left.plot(sizes, [r["p50_c1_ms"] for r in mine], marker="o", label=backend)
        right.plot(sizes, [r["memory_mib"] for r in mine], marker="o", label=backend)
    for axis, label in ((left, "query p50, one client (ms)"), (right, "index memory (MiB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("chunks")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--milvus-max", type=int, default=100_000)
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_scale.json"))
    parser.add_argument("--plot", type=Path, default=Path("eval/bench_scale.png"))
    parser.add_argument("--one", nargs=2, metavar=("BACKEND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]))))
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for backend in ("faiss-flat", "faiss-hnsw", "milvus-lite"):
            if backend == "milvus-lite" and size > args.milvus_max:
                print(f"milvus-lite skipped at {size:,} chunks (--milvus-max)", file=sys.stderr)
                continue
            command = [sys.executable, "-m", "eval.bench_scale", "--one", backend, str(size)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"{backend} at {size:,}: {rows[-1]}", file=sys.stderr)
    publish(rows, args.json)
    plot(rows, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
