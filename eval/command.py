"""`rag eval`: print the tables, write JSON, and fail below the thresholds given."""

import argparse
from pathlib import Path
from typing import Any

from eval.claims import claims_table, load_claims
from eval.dataset import DEFAULT_SEEDS, HARD_SEEDS, load_questions
from eval.disagreements import seeds_rows
from eval.followups import FOLLOWUPS, load_chains, run_followups
from eval.report import missed_lines, summary_table, table, write_json
from eval.runner import missed, run_eval
from eval.tables import MODES, abstention_rows, fusion_holds, fusion_rows, too_few_to_fit
from rag.config import Settings
from rag.service import RagService

THRESHOLDS = {  # flag -> (summary key, direction)
    "min_hit1": ("hit@1", "min"),
    "min_evidence1": ("evidence@1", "min"),
    "min_hit5": ("hit@5", "min"),
    "min_evidence5": ("evidence@5", "min"),
    "min_abstain": ("abstain_rate", "min"),
    "max_false_refusal": ("false_refusal_rate", "max"),
    "min_ndcg10": ("ndcg@10", "min"),
    "max_refused": ("cv_answerable_refused", "max"),
    "min_declined_on_topic": ("cv_on_topic_declined", "min"),
    "min_declined_off_topic": ("cv_off_topic_declined", "min"),
}


def register(sub: Any) -> None:
    p = sub.add_parser("eval", help="score retrieval on an eval set (or a BEIR dataset)")
    p.add_argument(
        "eval_file",
        nargs="?",
        type=Path,
        default=None,
        help="JSONL questions (README: 'Eval file format'); default: the project's seeds sets",
    )
    p.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    p.add_argument("--mode", choices=MODES, default=None)
    p.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="write the full report here"
    )
    p.add_argument("--beir", type=Path, default=None, metavar="DIR", help="a BEIR dataset folder")
    p.add_argument("--split", default="test", help="BEIR qrels split")
    p.add_argument(
        "--hard",
        type=Path,
        default=None,
        help="a second set for the fusion and abstention tables (without EVAL_FILE: the hard "
        "seeds set)",
    )
    p.add_argument(
        "--followups",
        type=Path,
        default=None,
        help="follow-up chains to score as asked and made standalone (without EVAL_FILE: the "
        "seeds' chains)",
    )
    p.add_argument(
        "--fusion-holds",
        action="store_true",
        help="fail when hybrid is below the better of dense and BM25 on any column",
    )
    p.add_argument(
        "--cache", type=Path, default=Path(".cache"), help="where BEIR indexes are cached"
    )
    for flag in THRESHOLDS:
        p.add_argument(f"--{flag.replace('_', '-')}", type=float, default=None)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    if args.beir:
        from eval.beir import run_beir

        mode = args.mode or settings.mode
        rivals = [m for m in MODES if m != mode]
        report = run_beir(args.beir, args.split, settings, args.cache, mode, rivals=rivals)
        print(f"BEIR {args.beir.name} / {args.split} ({report['mode']}):")
        print(summary_table(report["summary"]))
        rows = [{"ranker": report["mode"], "ndcg@10": report["summary"]["ndcg@10"]}]
        rows += [{"ranker": m, "ndcg@10": v} for m, v in report.pop("rivals").items()]
        report["fusion"] = sorted(rows, key=lambda r: MODES.index(r["ranker"]))
        print(f"\nFusion against each ranker:\n{table(report['fusion'], ['ranker', 'ndcg@10'])}")
    else:
        report = _eval_files(args, settings)
    if args.json:
        write_json(args.json, report)
    return _gate(args, report)


def _eval_files(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """The first file's summary, then fusion and abstention over every set, labelled by file."""
    files = [args.eval_file or DEFAULT_SEEDS]
    if args.hard or args.eval_file is None:
        files.append(args.hard or HARD_SEEDS)
    sets = {_label(f, files): load_questions(f) for f in files}
    service = RagService(settings)
    service.open(build_if_missing=True)
    questions = next(iter(sets.values()))
    report = run_eval(service, questions, args.k, args.mode)
    print(f"{files[0].name} ({report['mode']}, k={args.k}):")
    print(summary_table(report["summary"]))
    if misses := missed(report):
        print(f"\nMissed ({len(misses)}):\n{missed_lines(misses)}")
    report["fusion"] = fusion_rows(service, sets, args.k)
    print(f"\nFusion against each ranker:\n{table(report['fusion'], list(report['fusion'][0]))}")
    chains = args.followups or (FOLLOWUPS if args.eval_file is None else None)
    if chains:
        report["followups"] = run_followups(service, load_chains(chains))
        print(f"\nFollow-up questions ({chains.name}), as asked and made standalone:")
        print(table(report["followups"]["table"], list(report["followups"]["table"][0])))
    if args.eval_file is None:
        report["claims"] = claims_table(service, load_claims())
        print(
            "\nAnswer sentences checked against their citations (seeds_claims.jsonl, planted errors):"
        )
        print(table(report["claims"], list(report["claims"][0])))
        report["disagreements"] = seeds_rows(service)
        print("\nSources that disagree, built pairs over the seeds (python -m eval.disagreements):")
        print(table(report["disagreements"], list(report["disagreements"][0])))
    everything = [q for qs in sets.values() for q in qs]
    if reason := too_few_to_fit(everything):
        print(f"\nAbstention cross-validation skipped: {reason}")
        return report
    report["abstention"] = abstention_rows(service, everything)
    print("\nAbstention, 5-fold cross-validation (each fold's model fitted on the others):")
    print(table(report["abstention"], list(report["abstention"][0])))
    for row in report["abstention"]:
        key = row["questions"].replace("-", "_")
        report["summary"][f"cv_{key}_{row['rate']}"] = row["value"]
    return report


def _label(path: Path, files: list[Path]) -> str:
    """A set's name in the tables: its file name's stem (the whole name if two stems clash)."""
    stems = [f.stem for f in files]
    return path.stem if stems.count(path.stem) == 1 else path.name


def _gate(args: argparse.Namespace, report: dict[str, Any]) -> int:
    summary = report["summary"]
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
    if getattr(args, "fusion_holds", False) and "fusion" in report:
        failures += [f"fusion loses: {line}" for line in fusion_holds(report["fusion"])]
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0
