"""Per-question query latency of each retrieval mode, in process, one question at a time.

python -m eval.bench_modes [--json eval/results/bench_modes.json]
"""

import argparse
import statistics
import time
from pathlib import Path

from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.report import publish
from rag.config import Settings
from rag.service import RagService

SETUPS = [("dense", {}), ("lexical", {}), ("hybrid", {}), ("hybrid + MMR 0.7", {"mmr_lambda": 0.7})]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_modes.json"))
    args = parser.parse_args()
    base = RagService(Settings())
    base.open(build_if_missing=True)
    questions = [q.question for q in load_questions(DEFAULT_SEEDS)]
    base.query(questions[0])  # warm-up
    rows = []
    for name, updates in SETUPS:
        service = base.derive(**updates)
        mode = name.split()[0]
        times = []
        for q in questions:
            t0 = time.perf_counter()
            service.query(q, 5, mode)  # type: ignore[arg-type]
            times.append((time.perf_counter() - t0) * 1e3)
        times.sort()
        rows.append(
            {
                "mode": name,
                "p50_ms": statistics.median(times),
                "p95_ms": times[int(0.95 * len(times)) - 1],
                "mean_ms": statistics.fmean(times),
            }
        )
    publish(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
