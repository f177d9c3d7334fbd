"""Ranking metrics over a ranked list of ids, with graded or binary relevance.

Rankings are first de-duplicated (an id counts at its best position), so several passages
from one file are one source. An empty ranking scores zero everywhere.
"""

import math
from collections.abc import Mapping, Sequence


def dedupe(ranking: Sequence[str]) -> list[str]:
    """Keep each id at its first (best) position."""
    return list(dict.fromkeys(ranking))


def hit_at(ranking: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    return 1.0 if any(d in relevant for d in dedupe(ranking)[:k]) else 0.0


def recall_at(ranking: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    wanted = {d for d, g in relevant.items() if g > 0}
    if not wanted:
        return 0.0
    return len(wanted.intersection(dedupe(ranking)[:k])) / len(wanted)


def mrr_at(ranking: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    for rank, doc in enumerate(dedupe(ranking)[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranking: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    """nDCG with linear gains (the BEIR / trec_eval convention)."""
    dcg = sum(
        relevant.get(doc, 0.0) / math.log2(rank + 1)
        for rank, doc in enumerate(dedupe(ranking)[:k], start=1)
    )
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def rank_by_score(scored: Sequence[tuple[str, float]]) -> list[str]:
    """Order ids by descending score; equal scores keep their retrieval order."""
    return [doc for doc, _ in sorted(scored, key=lambda pair: -pair[1])]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def calibrate_threshold(
    answerable: Sequence[float], unanswerable: Sequence[float], max_false_refusal: float = 0.05
) -> float | None:
    """The relevance cut that refuses the most unanswerable questions while wrongly refusing at
    most `max_false_refusal` of the answerable ones; it sits midway in the widest such gap."""
    scores = sorted(set(answerable) | set(unanswerable))
    if not answerable or not unanswerable or len(scores) < 2:
        return None
    best: tuple[float, float, float] | None = None
    best_cut = None
    for low, high in zip(scores, scores[1:], strict=False):
        cut = (low + high) / 2
        refused = sum(s < cut for s in answerable) / len(answerable)
        if refused > max_false_refusal:
            continue
        key = (sum(s < cut for s in unanswerable) / len(unanswerable), -refused, high - low)
        if best is None or key > best:
            best, best_cut = key, cut
    return best_cut
