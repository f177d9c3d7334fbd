"""Ablations of index-time and ranking refinements on the seeds set (each rebuilds a small index).

python -m eval.ablate [--json eval/results/ablate.json]
"""

import argparse
import tempfile
from pathlib import Path
from typing import Any

from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.report import publish
from eval.runner import run_eval
from rag.config import Settings
from rag.service import RagService

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("default", {}),
    ("no overlap merging", {"merge_overlaps": False}),
    ("no title in embedded text", {"embed_titles": False}),
    ("chunks of 96 tokens", {"chunk_tokens": 96, "chunk_overlap": 16}),
    ("chunks of 256 tokens", {"chunk_tokens": 256, "chunk_overlap": 48}),
    ("no chunk overlap", {"chunk_overlap": 0}),
    ("MMR lambda 0.7", {"mmr_lambda": 0.7}),
    ("MMR lambda 0.5", {"mmr_lambda": 0.5}),
]
INDEX_FIELDS = {"embed_titles", "chunk_tokens", "chunk_overlap"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("eval/results/ablate.json"))
    args = parser.parse_args()
    base = RagService(Settings())
    base.open(build_if_missing=True)
    questions = load_questions(DEFAULT_SEEDS)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, updates in VARIANTS:
            service = base.derive(**updates)
            if INDEX_FIELDS & set(updates):
                service = base.derive(**updates, index_dir=Path(tmp) / name.replace(" ", "-"))
                service.update(progress=False)
            for mode in ("hybrid", "dense"):
                s = run_eval(service, questions, 10, mode, judge=False)["summary"]
                rows.append(
                    {
                        "variant": name,
                        "mode": mode,
                        "chunks": len(service.index.chunks),
                        **{k: s[k] for k in ("hit@1", "mrr", "evidence@1", "evidence@5")},
                    }
                )
    publish(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
