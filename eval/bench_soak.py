"""Soak: mixed traffic from 16 clients for 10 minutes against one `rag serve` process.

python -m eval.bench_soak [--seconds 600] [--clients 16] [--no-large] [--json eval/results/bench_soak.json]

Each client loops over queries, streamed answers, uploads (small ones, large ones of about a
three hundred chunks, and hostile files built to break parsers), deletes, reads and malformed
requests. Reported: requests and statuses, p50/p99 per route, and the server's RSS and open
file descriptors after a warm-up and at the end. An answer refused with 503 + Retry-After is
admission control at work (the client waits and goes on), counted apart from server errors.
Targets: no other 5xx, small uploads p99 < 10 s, /query p99 < 200 ms, RSS growth under 10%,
no descriptor leak. The server starts warm (one question answered first); `answers_per_s` is
what it wrote under this load.
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx

from eval.bench_http import free_port, start_server
from eval.hostile import hostile_files
from eval.report import publish

HOSTILE = hostile_files()
QUESTIONS = [
    "Who is Hu Xijin?",
    "Which Moroccan prison holds the Uyghur activist?",
    "How did the House vote on the Uighur bill?",
    "What share of China's cotton exports comes from Xinjiang?",
    "What did the UN report conclude?",
]
MALFORMED: list[dict[str, Any]] = [
    {"json": {"question": "   "}},
    {"json": {"question": "ok", "top_k": "5"}},
    {"json": {"question": "ok", "filters": {"published_from": "2024-13-01"}}},
    {"content": b"question=ok", "headers": {"content-type": "text/plain"}},
    {"content": b'{"question": "unterminated', "headers": {"content-type": "application/json"}},
    {"json": {"question": "x" * 70_000}},
]


def server_stats(pid: int) -> dict[str, int]:
    """Resident memory (KiB) and open descriptors of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return {"rss_kib": rss, "fds": len(os.listdir(f"/proc/{pid}/fd"))}


class Client(threading.Thread):
    """One user: a random mix of every kind of request, until the deadline."""

    def __init__(
        self,
        url: str,
        number: int,
        deadline: float,
        log: list[tuple[str, int, float, bool]],
        large: bool = True,
    ):
        super().__init__(daemon=True)
        self.url, self.number, self.deadline, self.log = url, number, deadline, log
        self.large = large
        self.rng = random.Random(number)
        self.uploaded: list[str] = []

    def run(self) -> None:
        with httpx.Client(timeout=300) as http:
            while time.monotonic() < self.deadline:
                action = self.rng.choices(
                    [
                        self.query,
                        self.answer,
                        self.upload,
                        self.upload_large,
                        self.upload_hostile,
                        self.delete,
                        self.read,
                        self.malformed,
                    ],
                    weights=[50, 15, 8, 0.5 if self.large else 0, 1, 7, 10, 10],
                )[0]
                action(http)

    def timed(self, route: str, send: Any) -> httpx.Response:
        """Send and log one request; a client-side timeout is logged as status 0. A 503 with
        Retry-After is admission control: logged as such, and the client waits as told."""
        started = time.perf_counter()
        try:
            response: httpx.Response = send()
        except httpx.TimeoutException:
            response = httpx.Response(0)
        turned_away = response.status_code == 503 and "retry-after" in response.headers
        self.log.append(
            (route, response.status_code, (time.perf_counter() - started) * 1e3, turned_away)
        )
        if turned_away:
            time.sleep(min(float(response.headers["retry-after"]), 10.0))
        return response

    def query(self, http: httpx.Client) -> None:
        body = {"question": self.rng.choice(QUESTIONS), "top_k": self.rng.randint(1, 10)}
        self.timed("POST /query", lambda: http.post(f"{self.url}/query", json=body))

    def answer(self, http: httpx.Client) -> None:
        body = {"question": self.rng.choice(QUESTIONS), "stream": True}

        def stream() -> httpx.Response:
            with http.stream("POST", f"{self.url}/answer", json=body) as response:
                for _ in response.iter_bytes():
                    pass
            return response

        self.timed("POST /answer (stream)", stream)

    def upload(self, http: httpx.Client) -> None:
        doc_id = f"soak/c{self.number}-{len(self.uploaded)}.txt"
        text = f"Soak story {doc_id}\n\nThe harbour ferry ran {self.rng.randint(1, 99)} crossings today."
        response = self.timed(
            "POST /documents (small)",
            lambda: http.post(f"{self.url}/documents", json={"doc_id": doc_id, "text": text}),
        )
        if response.status_code in (200, 201):
            self.uploaded.append(doc_id)

    def upload_large(self, http: httpx.Client) -> None:
        """About three hundred chunks: embedded before the write lock, so small uploads go on."""
        doc_id = f"soak/large-c{self.number}-{len(self.uploaded)}.txt"
        body = " ".join(
            f"Harbour log entry {i}: {self.rng.random():.6f} tonnes." for i in range(15_000)
        )
        response = self.timed(
            "POST /documents (large)",
            lambda: http.post(
                f"{self.url}/documents", files=[("files", (doc_id, f"Log\n\n{body}".encode()))]
            ),
        )
        if response.status_code in (200, 201):
            self.uploaded.append(doc_id)

    def upload_hostile(self, http: httpx.Client) -> None:
        name, data = self.rng.choice(sorted(HOSTILE.items()))
        doc_id = f"soak/c{self.number}-{len(self.uploaded)}-{name}"
        self.timed(
            "POST /documents (hostile)",
            lambda: http.post(f"{self.url}/documents", files=[("files", (doc_id, data))]),
        )

    def delete(self, http: httpx.Client) -> None:
        doc_id = self.uploaded.pop(0) if self.uploaded else f"soak/never-{self.number}.txt"
        self.timed("DELETE /documents", lambda: http.delete(f"{self.url}/documents/{doc_id}"))

    def read(self, http: httpx.Client) -> None:
        self.timed("GET /documents", lambda: http.get(f"{self.url}/documents"))

    def malformed(self, http: httpx.Client) -> None:
        request = self.rng.choice(MALFORMED)
        self.timed("malformed", lambda: http.post(f"{self.url}/query", **request))


def soak(
    url: str, pid: int, seconds: float, clients: int, warmup_s: float = 10, large: bool = True
) -> dict[str, Any]:
    """Run the mixed load (with `large` uploads or without); stats are taken after `warmup_s`
    and at the end."""
    log: list[tuple[str, int, float, bool]] = []
    deadline = time.monotonic() + warmup_s + seconds
    workers = [Client(url, n, deadline, log, large) for n in range(clients)]
    for worker in workers:
        worker.start()
    time.sleep(warmup_s)
    start = server_stats(pid)
    for worker in workers:
        worker.join()
    end = server_stats(pid)
    statuses = Counter(status for _, status, _, _ in log)
    admission = Counter(route for route, _, _, turned_away in log if turned_away)
    by_route: dict[str, list[float]] = defaultdict(list)
    for route, _, ms, turned_away in log:
        by_route[route] += [] if turned_away else [ms]
    return {
        "requests": len(log),
        "statuses": dict(sorted(statuses.items())),
        "server_errors_5xx": sum(n for s, n in statuses.items() if s >= 500)
        - sum(admission.values()),
        "turned_away_retry_after": dict(sorted(admission.items())),
        "routes": {
            route: {
                "requests": len(ms),
                "turned_away": admission[route],
                "p50_ms": statistics.median(ms) if ms else None,
                "p99_ms": sorted(ms)[max(0, int(0.99 * len(ms)) - 1)] if ms else None,
            }
            for route, ms in sorted(by_route.items())
        },
        "answers_per_s": len(by_route.get("POST /answer (stream)", [])) / seconds,
        "rss_mib_start": start["rss_kib"] / 1024,
        "rss_mib_end": end["rss_kib"] / 1024,
        "rss_growth": end["rss_kib"] / start["rss_kib"] - 1,
        "fds_start": start["fds"],
        "fds_end": end["fds"],
    }


def serve_copy(seeds: Path, folder: Path) -> tuple[Any, str]:
    """A `rag serve` process over a copy of the seeds (the soak writes into its corpus)."""
    shutil.copytree(seeds, folder / "corpus")
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(folder / "corpus"),
        "RAG_INDEX_DIR": str(folder / "index"),
    }
    port = free_port()
    return start_server(port, env), f"http://127.0.0.1:{port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_soak.json"))
    parser.add_argument(
        "--no-large", action="store_true", help="leave the ~1,650-chunk uploads out of the mix"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, url = serve_copy(Path("seeds"), Path(tmp))
        try:  # a warm start: model and index loaded, one question answered before the clock
            httpx.post(f"{url}/answer", json={"question": QUESTIONS[0]}, timeout=120)
            result = soak(url, server.pid, args.seconds, args.clients, large=not args.no_large)
        finally:
            server.terminate()  # in-flight large uploads may hold a graceful stop up
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)
    rows = [{"route": route, **stats} for route, stats in result.pop("routes").items()]
    publish(rows, args.json.with_name(args.json.stem + "_routes.json"))
    publish([{"measure": k, "value": v} for k, v in result.items()], args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
