"""Benchmark POST /query over real HTTP at concurrency 1 and 8 against the in-process batched
encoding rate of the same questions. Prints a table and writes JSON.

    python -m eval.bench_http [--requests 160] [--json eval/results/bench_http.json]

The server runs as a separate `rag serve` process on a free loopback port, as users run it.
"""

import argparse
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
        "requests_per_s": len(questions) / elapsed,
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
    parser.add_argument("--requests", type=int, default=160)
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_http.json"))
    args = parser.parse_args()
    settings = Settings()
    base = [q.question for q in load_questions(DEFAULT_SEEDS)]
    questions = (base * (args.requests // len(base) + 1))[: args.requests]
    service = RagService(settings)
    service.open(build_if_missing=True)
    rate = encoding_rate(service, questions)
    port = free_port()
    server = start_server(port, {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir)})
    try:
        runs = [load(f"http://127.0.0.1:{port}", questions, c) for c in (1, 8)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = [{"what": "in-process batched encoding", "per_s": rate, "p50_ms": "", "p99_ms": ""}]
    rows += [
        {
            "what": f"HTTP /query, concurrency {r['concurrency']}",
            "per_s": r["requests_per_s"],
            "p50_ms": r["p50_ms"],
            "p99_ms": r["p99_ms"],
        }
        for r in runs
    ]
    print(table(rows, ["what", "per_s", "p50_ms", "p99_ms"]))
    ratio = runs[1]["requests_per_s"] / rate
    print(f"\nconcurrency 8 / batched encoding = {ratio:.2f} (target >= 0.5)")
    write_json(args.json, {"encoding_per_s": rate, "http": runs, "ratio_c8": ratio})
    return 0


if __name__ == "__main__":
    sys.exit(main())
