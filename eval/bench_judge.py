"""What the judge costs: /answer and /query latency over real HTTP with each judge, one sitting.

    python -m eval.bench_judge [--judges signals reader] [--rounds 2] [--json eval/results/bench_judge.json]

For each judge a `rag serve` process over the seeds index is started (RAG_JUDGE set), warmed
with five questions, then asked every seeds question in turn (one client, top_k 5), `rounds`
times, interleaving the judges round by round so a noisy machine weighs on each alike. Target:
the reader adds at most 60 ms to /answer's p50 on two cores and nothing to /query's.
"""

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from eval.bench_http import free_port, start_server
from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.report import table, write_json

ROUTES = ("/query", "/answer")


def timed(url: str, route: str, questions: list[str]) -> list[float]:
    out = []
    with httpx.Client(timeout=120) as client:
        for question in questions:
            started = time.perf_counter()
            client.post(f"{url}{route}", json={"question": question, "top_k": 5}).raise_for_status()
            out.append((time.perf_counter() - started) * 1e3)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--judges", nargs="+", default=["signals", "reader"])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--json", type=Path, default=Path("eval/results/bench_judge.json"))
    args = p.parse_args()
    questions = [q.question for q in load_questions(DEFAULT_SEEDS)]
    servers = {}
    for judge in args.judges:
        port = free_port()
        env = {**os.environ, "RAG_JUDGE": judge, "HF_HUB_OFFLINE": "1"}
        servers[judge] = (start_server(port, env), f"http://127.0.0.1:{port}")
    samples: dict[tuple[str, str], list[float]] = {}
    try:
        for _, url in servers.values():
            for route in ROUTES:
                timed(url, route, questions[:5])  # warm-up
        for _ in range(args.rounds):
            for judge, (_, url) in servers.items():
                for route in ROUTES:
                    samples.setdefault((judge, route), []).extend(timed(url, route, questions))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    rows: list[dict[str, Any]] = [
        {
            "judge": judge,
            "route": route,
            "requests": len(ms),
            "p50_ms": statistics.median(ms),
            "p99_ms": sorted(ms)[min(len(ms) - 1, int(0.99 * len(ms)))],
        }
        for (judge, route), ms in samples.items()
    ]
    print(table(rows, ["judge", "route", "requests", "p50_ms", "p99_ms"]))
    write_json(args.json, {"rows": rows, "cores": os.cpu_count()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
