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
from eval.dataset import DEFAULT_SEEDS, HARD_SEEDS, load_questions
from eval.report import publish
from eval.runner import run_eval
from rag.config import Settings
from rag.index import load_index
from rag.retrieval.fusion import question_weights, rrf
from rag.service import RagService

RRF_KS = (10,)
WEIGHTS = ((1.0, 1.0), (1.0, 1.5))
LEANS = (1.0, 2.0, 4.0, 8.0)
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
        rows_i = [int(r) for r in rows[i] if r >= 0]
        out.append((qid, data.queries[qid], rows_i, [int(r) for r in lex]))
    return (data, index), out


def score_variant(
    data: Any, index: Any, ranked: list[Any], mode: str, k: int, w: tuple[float, float], lean: float
) -> float:
    ndcg = []
    for qid, question, dense, lexical in ranked:
        if mode == "dense":
            rows = dense
        elif mode == "lexical":
            rows = lexical
        else:
            weights = question_weights(question, w[0], w[1], lean)
            rows = [row for row, _ in rrf([dense, lexical], list(weights), k)]
        ranking = metrics.dedupe([index.chunks[r].doc_id for r in rows])
        ndcg.append(metrics.ndcg_at(ranking, data.qrels[qid], 10))
    return metrics.mean(ndcg)


def variants() -> list[tuple[str, int, tuple[float, float], float]]:
    return [("dense", 0, (1.0, 0.0), 0.0), ("lexical", 0, (0.0, 1.0), 0.0)] + [
        ("hybrid", k, w, lean) for k in RRF_KS for w in WEIGHTS for lean in LEANS
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
    hard = load_questions(HARD_SEEDS)
    rows = []
    for mode, k, (wd, wl), lean in tqdm(variants(), desc="Variants"):
        service = seeds.derive(
            mode=mode, rrf_k=k or 60, dense_weight=wd, lexical_weight=wl, lexical_lean=lean
        )
        summary = run_eval(service, questions, 10)["summary"]
        harder = run_eval(service, hard, 10)["summary"]
        rows.append(
            {
                "mode": mode,
                "rrf_k": k or "",
                "w_dense": wd,
                "w_lexical": wl,
                "lean": lean,
                f"scifact_{args.split}_ndcg@10": score_variant(
                    data, index, ranked, mode, k, (wd, wl), lean
                ),
                "seeds_hit@1": summary["hit@1"],
                "seeds_evidence@1": summary["evidence@1"],
                "seeds_evidence@5": summary["evidence@5"],
                "hard_hit@1": harder["hit@1"],
                "hard_evidence@1": harder["evidence@1"],
            }
        )
    publish(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
