"""Metrics against values computed by hand."""

import math

import pytest

from eval import metrics

REL = {"a": 1.0, "b": 1.0}


def test_hit_recall_mrr_on_a_simple_ranking() -> None:
    ranking = ["x", "a", "y", "b"]
    assert metrics.hit_at(ranking, REL, 1) == 0.0
    assert metrics.hit_at(ranking, REL, 2) == 1.0
    assert metrics.recall_at(ranking, REL, 2) == 0.5
    assert metrics.recall_at(ranking, REL, 4) == 1.0
    assert metrics.mrr_at(ranking, REL, 10) == 0.5
    assert metrics.mrr_at(ranking, REL, 1) == 0.0


def test_ndcg_by_hand() -> None:
    ranking = ["x", "a", "y", "b"]
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert metrics.ndcg_at(ranking, REL, 10) == pytest.approx(dcg / idcg)
    assert metrics.ndcg_at(["a", "b"], REL, 10) == pytest.approx(1.0)


def test_graded_relevance_uses_linear_gain() -> None:
    rel = {"a": 2.0, "b": 1.0}
    got = metrics.ndcg_at(["b", "a"], rel, 2)
    assert got == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))


def test_duplicates_of_one_document_count_once_at_their_best_rank() -> None:
    ranking = ["x", "x", "x", "a", "a"]
    assert metrics.dedupe(ranking) == ["x", "a"]
    assert metrics.hit_at(ranking, REL, 2) == 1.0  # 'a' is the 2nd source, not the 4th passage
    assert metrics.mrr_at(ranking, REL, 10) == 0.5
    assert metrics.ndcg_at(ranking, {"a": 1.0}, 10) == pytest.approx(1 / math.log2(3))


def test_ties_keep_retrieval_order() -> None:
    assert metrics.rank_by_score([("x", 0.5), ("a", 0.5), ("y", 0.9)]) == ["y", "x", "a"]


def test_empty_results_and_empty_judgements_score_zero() -> None:
    for fn in (metrics.hit_at, metrics.recall_at, metrics.mrr_at, metrics.ndcg_at):
        assert fn([], REL, 10) == 0.0
        assert fn(["a"], {}, 10) == 0.0
    assert metrics.mean([]) == 0.0


def test_calibrated_threshold_refuses_most_unanswerable_within_the_false_refusal_budget() -> None:
    answerable = [0.9, 0.8, 0.7, 0.6, 0.5]
    unanswerable = [0.1, 0.2, 0.3, 0.55]
    # 0.55 cannot be refused without refusing 0.5 (20% > 5%); the widest gap below 0.5 is 0.3..0.5
    assert metrics.calibrate_threshold(answerable, unanswerable) == pytest.approx(0.4)
    assert metrics.calibrate_threshold(
        answerable, unanswerable, max_false_refusal=0.2
    ) == pytest.approx(0.575)
    assert metrics.calibrate_threshold([], unanswerable) is None
