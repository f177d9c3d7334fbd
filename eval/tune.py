"""Sweep retrieval settings on SciFact train and the seeds set; print a table, write JSON.

    python -m eval.tune [--beir ../shared/benchmarks/scifact] [--split train]

Dense and BM25 rankings are computed once per question; fusion variants are scored from them,
so the sweep costs one pass of queries. Tune on train; report test with `rag eval --beir`.
"""

import argparse
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval import metrics
from eval.beir import cache_dir, load_beir
from eval.dataset import DEFAULT_SEEDS, load_questions
from eval.report import publish
from eval.runner import run_eval
from rag.config import Settings
from rag.index import load_index
from rag.retrieval import rrf
from rag.service import RagService

RRF_KS = (5, 10, 20, 30, 60)
WEIGHTS = ((1.0, 1.0), (1.0, 0.5), (1.0, 1.25), (1.0, 1.5), (1.0, 2.0), (1.0, 3.0))
DEPTH = 300


def beir_rankings(
    folder: Path, split: str, settings: Settings, cache: Path
) -> tuple[Any, list[Any]]:
    data = load_beir(folder, split, progress=False)
    service = RagService(settings)
    index = load_index(cache_dir(data, settings, cache), settings, service.embedder)
    qids = list(data.queries)
    vectors = service.embedder.embed_queries([data.queries[q] for q in qids])
    scores, rows = index.store.search(vectors, DEPTH)
    out = []
    for i, qid in enumerate(tqdm(qids, desc="BM25", unit=" q")):
        _, lex = index.lexical.search(data.queries[qid], DEPTH)
        out.append((qid, [int(r) for r in rows[i] if r >= 0], [int(r) for r in lex]))
    return (data, index), out


def score_variant(
    data: Any, index: Any, ranked: list[Any], mode: str, k: int, w: tuple[float, float]
) -> float:
    ndcg = []
    for qid, dense, lexical in ranked:
        if mode == "dense":
            rows = dense
        elif mode == "lexical":
            rows = lexical
        else:
            rows = [row for row, _ in rrf([dense, lexical], list(w), k)]
        ranking = metrics.dedupe([index.chunks[r].doc_id for r in rows])
        ndcg.append(metrics.ndcg_at(ranking, data.qrels[qid], 10))
    return metrics.mean(ndcg)


def variants() -> list[tuple[str, int, tuple[float, float]]]:
    return [("dense", 0, (1.0, 0.0)), ("lexical", 0, (0.0, 1.0))] + [
        ("hybrid", k, w) for k in RRF_KS for w in WEIGHTS
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, default=Path("../shared/benchmarks/scifact"))
    parser.add_argument("--split", default="train")
    parser.add_argument("--cache", type=Path, default=Path(".cache"))
    parser.add_argument("--json", type=Path, default=Path("eval/results/tune.json"))
    args = parser.parse_args()
    settings = Settings()
    (data, index), ranked = beir_rankings(args.beir, args.split, settings, args.cache)
    seeds = RagService(settings)
    seeds.open(build_if_missing=True)
    questions = load_questions(DEFAULT_SEEDS)
    rows = []
    for mode, k, (wd, wl) in variants():
        service = seeds.derive(mode=mode, rrf_k=k or 60, dense_weight=wd, lexical_weight=wl)
        summary = run_eval(service, questions, 10)["summary"]
        rows.append(
            {
                "mode": mode,
                "rrf_k": k or "",
                "w_dense": wd,
                "w_lexical": wl,
                f"scifact_{args.split}_ndcg@10": score_variant(
                    data, index, ranked, mode, k, (wd, wl)
                ),
                "seeds_hit@1": summary["hit@1"],
                "seeds_mrr": summary["mrr"],
                "seeds_evidence@5": summary["evidence@5"],
            }
        )
    publish(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
