"""Measure the reader, choose its operating point on tuning data, report on held-out data once.

- SQuAD 2.0 dev, held-out half (articles `pairs.is_tuning` leaves out; never trained on and never
  used to choose anything): ROC AUC of "this paragraph answers" (a paragraph's best window), beside
  word overlap's; answerable refused and unanswerable declined at the shipped operating point.
- SQuADShifts new_wiki (a fixed sample of SHIFTS_SAMPLE questions): answerable refused at it.
- The service's own sets (eval/abstention's corpora): the operating point is the cut-off with
  the lowest cost (eval.abstention.cost: an answered unanswerable question costs three refusals)
  on the tuning sets; the held-out sets are reported at it, beside the word-signal judge.
"""

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.abstention import CUTS, Example, cost
from eval.reader.pairs import is_tuning, overlap, words
from rag.judging.reader import best_windows
from rag.judging.reading import Reader, logit, mix
from rag.judging.windows import windows
from rag.retrieval.retriever import Retrieval

SHIFTS_SAMPLE = 2000  # of SQuADShifts new_wiki's 7,938 questions, a fixed sample


@dataclass(frozen=True)
class Item:
    question: str
    windows: tuple[str, ...]
    label: int  # 1: answerable from these windows


def squad_items(path: Path, part: str = "held-out") -> list[Item]:
    """SQuAD-format questions with their paragraph's windows; `part` of SQuAD 2.0 dev:
    "held-out", "tuning", or "all" (for sets not split, such as SQuADShifts)."""
    items = []
    for article in json.loads(path.read_text())["data"]:
        if part != "all" and is_tuning(article.get("title", "")) != (part == "tuning"):
            continue
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            cut = tuple(context[s.start : s.end] for s in windows(context))
            for qa in paragraph["qas"]:
                label = 0 if qa.get("is_impossible") else 1
                items.append(Item(qa["question"].strip(), cut, label))
    return items


def best_scores(reader: Reader, items: Sequence[Item]) -> np.ndarray:
    """Each item's best window probability."""
    from tqdm import tqdm

    return np.array(
        [
            max(reader.scores(i.question, list(i.windows)), default=0.0)
            for i in tqdm(items, desc="reading", unit="question", leave=False)
        ]
    )


def overlap_scores(items: Sequence[Item]) -> np.ndarray:
    return np.array(
        [max((overlap(words(i.question), w) for w in i.windows), default=0.0) for i in items]
    )


def auc(scores: np.ndarray, labels: Sequence[int]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.array(labels), scores))


def rates(scores: np.ndarray, labels: Sequence[int], cut: float) -> dict[str, Any]:
    y = np.array(labels)
    refused = int(((scores < cut) & (y == 1)).sum())
    declined = int(((scores < cut) & (y == 0)).sum())
    return {
        "answerable refused": f"{refused}/{int((y == 1).sum())}",
        "refused": refused / max(1, int((y == 1).sum())),
        "unanswerable declined": f"{declined}/{int((y == 0).sum())}",
        "declined": declined / max(1, int((y == 0).sum())) if (y == 0).any() else math.nan,
    }


def operating_point(tune: Sequence[Example], scores: np.ndarray) -> float:
    """The cut-off of CUTS with the lowest cost on the tuning examples (the higher on ties)."""
    return min(CUTS, key=lambda c: (cost(tune, scores, c), -c))


@dataclass(frozen=True)
class Part:
    """One part (tuning or held-out) of the service's question sets, measured."""

    examples: list[Example]
    reader: np.ndarray  # the reader's best window score
    signals: np.ndarray  # the shipped word-signal model's confidence
    decided: list[bool]  # the word-signal judge's decision
    first: list[tuple[bool, bool]]  # evidence in passage 1: as retrieved, as the reader orders


def service_parts(reader: Reader, cache: Path) -> tuple[Part, Part]:
    """The service's tuning and held-out questions (eval.abstention's corpora, and the fresh
    seeds set), each asked of the index and read by the reader."""
    from eval.abstention import _read, open_news
    from eval.dataset import (
        DEFAULT_SEEDS,
        FRESH_SEEDS,
        HARD_SEEDS,
        HELD_OUT_SEEDS,
        NEWS_HELD_OUT,
        NEWS_TUNE,
    )
    from rag.config import Settings
    from rag.retrieval.abstention import FEATURES, AbstentionModel
    from rag.service import RagService

    settings = Settings()
    seeds = RagService(settings)
    seeds.open(build_if_missing=True, progress=False)
    news = open_news(settings, cache)
    shipped = AbstentionModel.load()
    tune = ((seeds, "seeds", (DEFAULT_SEEDS, HARD_SEEDS)), (news, "news", (NEWS_TUNE,)))
    held = (
        (seeds, "seeds", (HELD_OUT_SEEDS,)),
        (news, "news", (NEWS_HELD_OUT,)),
        (seeds, "fresh seeds", (FRESH_SEEDS,)),
    )
    parts = []
    for sets in (tune, held):
        examples, scores, confidence, decided, first = [], [], [], [], []
        for service, corpus, paths in sets:
            questions = _read(*paths)
            results = service.query_many([q.question for q in questions], 10)
            for q, r in zip(questions, results, strict=True):
                values = tuple(r.signals[f] for f in FEATURES)
                examples.append(Example(corpus, q.category, q.question, values))
                best = best_windows(reader, r)
                scores.append(max((score for score, _ in best.values()), default=0.0))
                confidence.append(shipped.confidence(r.signals))
                decided.append(r.answerable)
                if q.evidence:
                    first.append(_evidence_first(best, r, q.evidence))
        parts.append(Part(examples, np.array(scores), np.array(confidence), decided, first))
    return parts[0], parts[1]


def _evidence_first(
    best: dict[int, tuple[float, str]], retrieval: Retrieval, evidence: str
) -> tuple[bool, bool]:
    from eval.runner import evidence_rank
    from rag.judging.base import Verdict, apply

    order = tuple(sorted(best, key=lambda i: -best[i][0]))
    reordered = apply(retrieval, Verdict("reader", True, order))
    return (
        evidence_rank(retrieval.passages, evidence) == 1,
        evidence_rank(reordered.passages, evidence) == 1,
    )


def evidence_at_1(part: Part) -> dict[str, float]:
    n = max(1, len(part.first))
    return {
        "retrieval": sum(a for a, _ in part.first) / n,
        "reader order": sum(b for _, b in part.first) / n,
        "questions": len(part.first),
    }


def fit_combiner(part: Part, rows: Sequence[int] | None = None) -> tuple[float, float, float]:
    """Weights (reader, signals, bias) of a logistic regression on both scores' logits, the
    groups weighed alike (eval.abstention's balance)."""
    from eval.abstention import _balance, _sklearn

    rows = list(range(len(part.examples))) if rows is None else list(rows)
    x = np.column_stack([logit(part.reader[rows]), logit(part.signals[rows])])
    y = np.array([part.examples[i].label for i in rows])
    model = _sklearn()(C=1.0, max_iter=1000).fit(
        x, y, sample_weight=_balance([part.examples[i] for i in rows])
    )
    return float(model.coef_[0][0]), float(model.coef_[0][1]), float(model.intercept_[0])


def combined(part: Part, weights: tuple[float, float, float]) -> np.ndarray:
    return np.asarray(mix(part.reader, part.signals, weights))


def cross_validated_cost(part: Part, combine: bool, folds: int = 5) -> float:
    """The tuning cost when each fold is decided by a cut-off (and combiner) chosen on the
    others: how the two ways of deciding are compared before either is shipped."""
    from sklearn.model_selection import StratifiedGroupKFold

    items = part.examples
    labels = [f"{e.label}{e.corpus}" for e in items]
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    total = 0.0
    for train, test in splitter.split(np.zeros(len(items)), labels, [e.question for e in items]):
        scores = combined(part, fit_combiner(part, train)) if combine else part.reader
        cut = operating_point([items[i] for i in train], scores[train])
        total += cost([items[i] for i in test], scores[test], cut)
    return total


@dataclass(frozen=True)
class Choice:
    """What `measure` chose on the tuning sets, and why."""

    costs: dict[str, float]  # cross-validated tuning cost: reader alone, combined
    weights: tuple[float, float, float] | None  # the combiner, when it pays
    cut: float
    ordered: dict[str, float]  # evidence@1 on the tuning sets, each order
    reorder: bool


def choose(tune: Part, model: Path) -> Choice:
    """The combiner (only where it lowers the cross-validated cost), the operating point and
    the passage order, chosen on the tuning sets and written into the model's manifest."""
    from eval.reader.export import write_manifest

    costs = {
        "reader": cross_validated_cost(tune, False),
        "combined": cross_validated_cost(tune, True),
    }
    weights = fit_combiner(tune) if costs["combined"] < costs["reader"] else None
    cut = operating_point(tune.examples, combined(tune, weights) if weights else tune.reader)
    ordered = evidence_at_1(tune)
    reorder = ordered["reader order"] > ordered["retrieval"]
    extra: dict[str, Any] = {"reorder": reorder}
    if weights:
        extra["combiner"] = dict(zip(("reader", "signals", "bias"), weights, strict=True))
    write_manifest(model, cut, **extra)
    return Choice(costs, weights, cut, ordered, reorder)


def squad_figures(data: Path, reader: Reader, cut: float) -> dict[str, Any]:
    """AUC on SQuAD 2.0 dev's held-out half, and refusals there and on SQuADShifts at `cut`."""
    squad = squad_items(data / "squad" / "dev-v2.0.json", "held-out")
    labels = [i.label for i in squad]
    squad_scores = best_scores(reader, squad)
    shifts = squad_items(data / "squad" / "shifts" / "new_wiki_v1.0.json", "all")
    shifts = random.Random(0).sample(shifts, min(SHIFTS_SAMPLE, len(shifts)))
    return {
        "squad2_held_out": {
            "questions": len(squad),
            "auc_reader": auc(squad_scores, labels),
            "auc_word_overlap": auc(overlap_scores(squad), labels),
            **rates(squad_scores, labels, cut),
        },
        "squadshifts_new_wiki": rates(best_scores(reader, shifts), [1] * len(shifts), cut),
    }


def report(data: Path, model: Path, cache: Path) -> dict[str, Any]:
    """Choose on the tuning sets, then print and save every held-out figure, once."""
    from eval.abstention import report as per_group
    from eval.report import table, write_json

    tune, held = service_parts(Reader(model, threads=2), cache)
    choice = choose(tune, model)
    held_scores = combined(held, choice.weights) if choice.weights else held.reader
    judged = {
        "reader": per_group(held.examples, list(held_scores >= choice.cut)),
        "signals": per_group(held.examples, held.decided),
    }
    shipped = "combined" if choice.weights else "reader"
    print(f"Cross-validated tuning cost: {choice.costs}; shipped: {shipped}, cut-off {choice.cut}")
    print(f"evidence@1, tuning sets: {choice.ordered}; the reader reorders: {choice.reorder}")
    for name, rows in judged.items():
        print(f"\nHeld-out sets, judge {name}:")
        print(table(rows, ["questions", "n", "rate", "value", "count"]))
    # the reader alone on SQuAD (no word signals there): its own operating point
    reader_cut = operating_point(tune.examples, tune.reader)
    figures = {
        "operating_point": choice.cut,
        "combiner": choice.weights,
        "tuning_cost_cross_validated": choice.costs,
        "held_out": judged,
        "evidence_at_1": {"tuning": choice.ordered, "held_out": evidence_at_1(held)},
        "reader_alone_cut": reader_cut,
        **squad_figures(data, Reader(model, threads=2), reader_cut),
    }
    print(f"\nSQuAD 2.0 dev, held-out half: {json.dumps(figures['squad2_held_out'], indent=1)}")
    print(f"SQuADShifts new_wiki at {reader_cut}: {json.dumps(figures['squadshifts_new_wiki'])}")
    write_json(Path("eval/results/reader.json"), figures)
    return figures
