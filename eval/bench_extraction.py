"""Body extraction of our HTML loader on a public benchmark with ground truth, beside trafilatura.

    python -m eval.bench_extraction [--part tune|held-out|all] [--show N]

The data is scrapinghub's article-extraction-benchmark (MIT; vendored in
eval/datasets/extraction/: 181 real pages and their hand-made article bodies), scored with the
benchmark's own `evaluate.py` (4-word shingles, per-page precision and recall averaged, bootstrap
standard deviations). "ours" is the loader's text view without the title (what passages quote);
"trafilatura" is `trafilatura.extract(html)` as the benchmark runs it, in the same run.

Pages whose id starts with 0-7 are the tuning part (rules were looked at and chosen on them),
8-f the held-out part (only reported).
"""

import argparse
import gzip
import json
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from eval.report import table, write_json

DATA = Path(__file__).parent / "datasets" / "extraction"
PARTS = {"tune": "01234567", "held-out": "89abcdef"}
# The benchmark's README, latest evaluation (body field).
PUBLISHED = [
    {"extractor": "trafilatura 2.0.0 (published)", "f1": 0.958, "precision": 0.938},
    {"extractor": "newspaper4k 0.9.3.1 (published)", "f1": 0.949, "precision": 0.964},
    {"extractor": "readability.js 0.6.0 (published)", "f1": 0.947, "precision": 0.914},
    {"extractor": "rs_trafilatura (published)", "f1": 0.970, "precision": 0.951},
    {"extractor": "Zyte AutoExtract (published)", "f1": 0.970, "precision": 0.984},
]


def _benchmark() -> Any:
    sys.path.insert(0, str(DATA))
    import evaluate  # type: ignore[import-not-found]  # the benchmark's own scoring

    return evaluate


def ours(html: str) -> str:
    from rag.corpus.loaders.html import extract_html

    return extract_html(html)[0]


def trafilatura_as_benchmarked(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "ours": ours,
    "trafilatura": trafilatura_as_benchmarked,
}


def pages(part: str) -> dict[str, str]:
    prefixes = PARTS.get(part, "0123456789abcdef")
    found = {}
    for path in sorted((DATA / "html").glob("*.html.gz")):
        key = path.name.split(".")[0]
        if key[0] in prefixes:
            found[key] = gzip.decompress(path.read_bytes()).decode("utf-8")
    return found


def _run(job: tuple[str, str, str]) -> tuple[str, str, str]:
    name, key, html = job
    return name, key, EXTRACTORS[name](html)


def extract_all(
    html: dict[str, str], names: Iterable[str], workers: int
) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {name: {} for name in names}
    jobs = [(name, key, page) for name in out for key, page in html.items()]
    with ProcessPoolExecutor(workers) as pool:
        for name, key, body in pool.map(_run, jobs, chunksize=4):
            out[name][key] = body
    return out


def score(truth: dict[str, Any], bodies: dict[str, str], n_bootstrap: int) -> dict[str, float]:
    evaluate = _benchmark()
    prediction = {key: {"articleBody": bodies[key]} for key in truth}
    m = evaluate.evaluate(truth, prediction, n_bootstrap)
    return {k: m[k] for k in ("f1", "f1_std", "precision", "recall", "accuracy")}


def worst(truth: dict[str, Any], bodies: dict[str, str], n: int) -> list[str]:
    """The pages where we lose most precision, to read while tuning (tuning part only)."""
    evaluate = _benchmark()
    rows = []
    for key, item in truth.items():
        tp, fp, fn = evaluate.string_shingle_matching(item["articleBody"], bodies[key])
        rows.append((tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, key))
    return [f"{p:.2f} {r:.2f} {k} {truth[k]['url']}" for p, r, k in sorted(rows)[:n]]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_extraction", description=__doc__)
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--show", type=int, default=0, help="list the N worst pages (tuning)")
    parser.add_argument("--json", type=Path, default=Path("eval/results/bench_extraction.json"))
    args = parser.parse_args()
    truth_all = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    parts = list(PARTS) if args.part == "all" else [args.part]
    html = {k: v for part in parts for k, v in pages(part).items()}
    bodies = extract_all(html, EXTRACTORS, args.workers)
    rows = []
    for part in parts:
        keys = [k for k in html if k[0] in PARTS[part]]
        truth = {k: truth_all[k] for k in keys}
        for name in EXTRACTORS:
            got = score(truth, bodies[name], args.bootstrap)
            rows.append({"part": f"{part} ({len(keys)})", "extractor": name, **got})
    print(table(rows, ["part", "extractor", "f1", "f1_std", "precision", "recall", "accuracy"]))
    print("\nPublished on all 181 pages (benchmark README):")
    print(table(PUBLISHED, ["extractor", "f1", "precision"]))
    if args.show:
        tune = {k: truth_all[k] for k in html if k[0] in PARTS["tune"]}
        print("\nWorst tuning pages (precision, recall, id, url):")
        print("\n".join(worst(tune, bodies["ours"], args.show)))
    write_json(args.json, {"rows": rows, "published": PUBLISHED})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
