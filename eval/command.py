"""`rag eval`: print the tables, write JSON, and fail below the thresholds given."""

import argparse
from pathlib import Path
from typing import Any

from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.report import missed_lines, summary_table, write_json
from eval.runner import missed, run_eval
from rag.config import Settings
from rag.service import RagService

THRESHOLDS = {  # flag -> (summary key, direction)
    "min_hit1": ("hit@1", "min"),
    "min_hit5": ("hit@5", "min"),
    "min_evidence5": ("evidence@5", "min"),
    "min_abstain": ("abstain_rate", "min"),
    "max_false_refusal": ("false_refusal_rate", "max"),
    "min_ndcg10": ("ndcg@10", "min"),
}


def register(sub: Any) -> None:
    p = sub.add_parser("eval", help="score retrieval on an eval set (or a BEIR dataset)")
    p.add_argument("eval_file", nargs="?", type=Path, default=DEFAULT_SEEDS)
    p.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default=None)
    p.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="write the full report here"
    )
    p.add_argument("--beir", type=Path, default=None, metavar="DIR", help="a BEIR dataset folder")
    p.add_argument("--split", default="test", help="BEIR qrels split")
    p.add_argument(
        "--cache", type=Path, default=Path(".cache"), help="where BEIR indexes are cached"
    )
    for flag in THRESHOLDS:
        p.add_argument(f"--{flag.replace('_', '-')}", type=float, default=None)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    if args.beir:
        from eval.beir import run_beir

        report = run_beir(args.beir, args.split, settings, args.cache, args.mode)
        print(f"BEIR {args.beir.name} / {args.split} ({report['mode']}):")
        print(summary_table(report["summary"]))
    else:
        service = RagService(settings)
        service.open(build_if_missing=True)
        report = run_eval(service, load_questions(args.eval_file), args.k, args.mode)
        print(f"{args.eval_file.name} ({report['mode']}, k={args.k}):")
        print(summary_table(report["summary"]))
        if misses := missed(report):
            print(f"\nMissed ({len(misses)}):\n{missed_lines(misses)}")
    if args.json:
        write_json(args.json, report)
    return _gate(args, report["summary"])


def _gate(args: argparse.Namespace, summary: dict[str, Any]) -> int:
    failures = []
    for flag, (key, direction) in THRESHOLDS.items():
        limit = getattr(args, flag)
        if limit is None or key not in summary:
            continue
        value = summary[key]
        if (direction == "min" and value < limit) or (direction == "max" and value > limit):
            failures.append(
                f"{key} = {value:.3f} is {'below' if direction == 'min' else 'above'} {limit}"
            )
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0
