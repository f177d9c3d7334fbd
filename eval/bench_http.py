"""Benchmark POST /query over real HTTP at concurrency 1 and 8 against the batched encoding
rate of the same questions (the floor). Prints a table and writes JSON.

    python -m eval.bench_http [--requests 320] [--json eval/results/bench_http.json]

The floor is the faster of two in-process rates, batches of 32: the configured backend through
the project's embedder, and sentence-transformers called directly (torch). The server runs as
a separate `rag serve` process on a free loopback port, as users run it, and is loaded by our
httpx client and by ../shared/tools/load.py (stdlib, when present) in the same sitting.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.report import table, write_json
from rag.config import Settings
from rag.service import RagService

LOAD_PY = Path(__file__).resolve().parents[2] / "shared" / "tools" / "load.py"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def encoding_rate(service: RagService, questions: list[str], batch: int = 32) -> float:
    """Questions per second through the embedder alone, in batches, warm."""
    service.embedder.embed_queries(questions[:batch])
    started = time.perf_counter()
    for i in range(0, len(questions), batch):
        service.embedder.embed_queries(questions[i : i + batch])
    return len(questions) / (time.perf_counter() - started)


def direct_rate(questions: list[str], batch: int = 32) -> float:
    """Questions per second through sentence-transformers itself (torch), warm."""
    from sentence_transformers import SentenceTransformer

    from rag.embedding.embedder import resolve_model_path

    model = SentenceTransformer(resolve_model_path(Settings().model), device="cpu")
    model.encode(questions[:batch], batch_size=batch)
    started = time.perf_counter()
    model.encode(questions, batch_size=batch)
    return len(questions) / (time.perf_counter() - started)


def stdlib_load(url: str, requests: int, concurrency: int) -> dict[str, Any] | None:
    """../shared/tools/load.py's figures, when that client is there."""
    if not LOAD_PY.is_file():
        return None
    done = subprocess.run(
        [sys.executable, str(LOAD_PY), url, str(DEFAULT_SEEDS), str(requests), str(concurrency)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def load(url: str, questions: list[str], concurrency: int) -> dict[str, Any]:
    """Send every question once with `concurrency` clients; report throughput and latency."""
    latencies: list[float] = []

    def one(question: str) -> None:
        t0 = time.perf_counter()
        response = client.post(f"{url}/query", json={"question": question, "top_k": 5})
        response.raise_for_status()
        latencies.append((time.perf_counter() - t0) * 1e3)

    with httpx.Client(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as client:
        for q in questions[:concurrency]:
            one(q)  # warm-up
        latencies.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, questions))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "concurrency": concurrency,
        "requests": len(questions),
        "qps": len(questions) / elapsed,
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    }


def start_server(
    port: int, env: dict[str, str], output: Any = subprocess.DEVNULL, timeout_s: float = 300
) -> subprocess.Popen[Any]:
    """Start `rag serve` on `port` and return once /health answers; fail fast if it exits."""
    rag = Path(sys.executable).with_name("rag")
    proc = subprocess.Popen(
        [str(rag), "serve", "--port", str(port)],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, ended as one
    )
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("`rag serve` did not come up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=320)
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_http.json"))
    args = parser.parse_args()
    settings = Settings()
    base = [q.question for q in load_questions(DEFAULT_SEEDS)]
    questions = (base * (args.requests // len(base) + 1))[: args.requests]
    service = RagService(settings)
    service.open(build_if_missing=True)
    rates = {
        f"in-process batched encoding, {settings.embed_backend} (our embedder)": encoding_rate(
            service, questions
        ),
        "in-process batched encoding, sentence-transformers direct (torch)": direct_rate(questions),
    }
    floor = max(rates.values())
    port = free_port()
    server = start_server(port, {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir)})
    url = f"http://127.0.0.1:{port}"
    try:
        runs = [load(url, questions, c) for c in (1, 8)]
        stdlib = [stdlib_load(url, args.requests, c) for c in (1, 8)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = [
        {"what": k, "per_s": v, "p50_ms": "", "p99_ms": "", "vs_floor": ""}
        for k, v in rates.items()
    ]
    measured = [("httpx", r) for r in runs] + [("load.py", r) for r in stdlib if r is not None]
    rows += [
        {
            "what": f"HTTP /query, {r['concurrency']} clients ({client})",
            "per_s": r["qps"],
            "p50_ms": r["p50_ms"],
            "p99_ms": r["p99_ms"],
            "vs_floor": round(r["qps"] / floor, 2),
        }
        for client, r in measured
    ]
    print(table(rows, ["what", "per_s", "p50_ms", "p99_ms", "vs_floor"]))
    print(f"\nfloor (the faster batched rate) = {floor:.0f} questions/s; target: 8 clients >= 0.5x")
    write_json(args.json, {"rates": rates, "floor": floor, "http": runs, "load_py": stdlib})
    return 0


if __name__ == "__main__":
    sys.exit(main())
