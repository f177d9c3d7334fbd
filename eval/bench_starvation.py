"""Cheap routes beside expensive ones: /query and /health while 30 clients stream /answer.

python -m eval.bench_starvation [--streams 30] [--json eval/results/bench_starvation.json]

A `rag serve` process serves the seeds index; 30 threads stream answers (top_k 50, a long
question) in a loop, retrying after Retry-After when refused; meanwhile one client times
sequential /query calls and /health. Targets: /query p50 under 3x its idle value, /health
under 100 ms.
"""

import argparse
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from eval.bench_http import free_port, start_server
from eval.report import publish

LONG_QUESTION = (
    "What did the United Nations human rights office conclude about the treatment of Uyghurs "
    "and other mostly Muslim minorities in Xinjiang, how did China respond to the report and "
    "to the letter campaign against its release, and which governments, companies and rights "
    "groups reacted, with what demands for sanctions, inquiries or import bans?"
)
QUESTIONS = ["Who is Hu Xijin?", "Which prison holds the activist?", "What is the UFLPA?"]


def timed_queries(client: httpx.Client, url: str, n: int) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter()
        client.post(f"{url}/query", json={"question": QUESTIONS[i % 3]}).raise_for_status()
        out.append((time.perf_counter() - started) * 1e3)
    return out


def timed_health(client: httpx.Client, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(f"{url}/health").raise_for_status()
        out.append((time.perf_counter() - started) * 1e3)
        time.sleep(0.05)
    return out


def measure(url: str, streams: int, samples: int = 40) -> dict[str, Any]:
    """Idle and loaded latencies, measured in one run against one server."""
    with httpx.Client(timeout=120) as client:
        timed_queries(client, url, 5)  # warm-up
        idle_q = timed_queries(client, url, samples)
        idle_h = timed_health(client, url, 10)
        stop = threading.Event()
        counts = {"answers": 0, "refused": 0}

        def stream() -> None:
            with httpx.Client(timeout=300) as own:
                while not stop.is_set():
                    body = {"question": LONG_QUESTION, "top_k": 50, "stream": True}
                    with own.stream("POST", f"{url}/answer", json=body) as response:
                        if response.status_code == 503:
                            counts["refused"] += 1
                            stop.wait(float(response.headers.get("retry-after", "1")))
                            continue
                        for _ in response.iter_bytes():
                            pass
                        counts["answers"] += 1

        workers = [threading.Thread(target=stream, daemon=True) for _ in range(streams)]
        for worker in workers:
            worker.start()
        time.sleep(3)  # let every stream start
        loaded_q = timed_queries(client, url, samples)
        loaded_h = timed_health(client, url, 20)
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
    idle, loaded = statistics.median(idle_q), statistics.median(loaded_q)
    return {
        "query_p50_idle_ms": idle,
        "query_p50_loaded_ms": loaded,
        "query_ratio": loaded / idle,
        "query_p99_loaded_ms": sorted(loaded_q)[int(0.99 * len(loaded_q)) - 1],
        "query_max_loaded_ms": max(loaded_q),
        "health_p50_idle_ms": statistics.median(idle_h),
        "health_p50_loaded_ms": statistics.median(loaded_h),
        "health_max_loaded_ms": max(loaded_h),
        "answers_completed": counts["answers"],
        "answers_refused_503": counts["refused"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=30)
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_starvation.json"))
    args = parser.parse_args()
    port = free_port()
    server = start_server(port, dict(os.environ))
    try:
        result = measure(f"http://127.0.0.1:{port}", args.streams)
    finally:
        server.terminate()
        server.wait(timeout=30)
    publish([{"measure": k, "value": v} for k, v in result.items()], args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
