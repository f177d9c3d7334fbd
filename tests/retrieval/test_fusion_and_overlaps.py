"""Reciprocal rank fusion and the merging of overlapping chunks, tested directly."""

import pytest

from rag.corpus.chunking import Chunk
from rag.retrieval.fusion import rrf
from rag.retrieval.overlaps import Hit, merge_overlaps


def test_rrf_sums_weighted_reciprocal_ranks() -> None:
    fused = dict(rrf([[1, 2, 3], [3, 1]], [1.0, 2.0], k=10))
    assert fused[1] == pytest.approx(1 / 11 + 2 / 12)
    assert fused[3] == pytest.approx(1 / 13 + 2 / 11)
    assert fused[2] == pytest.approx(1 / 12)
    assert [row for row, _ in rrf([[1, 2, 3], [3, 1]], [1.0, 2.0], k=10)] == [3, 1, 2]


def test_rrf_weight_zero_ignores_a_ranking_and_lengths_must_match() -> None:
    assert [r for r, _ in rrf([[1, 2], [2, 1]], [1.0, 0.0], k=60)] == [1, 2]
    with pytest.raises(ValueError):
        rrf([[1], [2]], [1.0], k=10)


TEXT = "".join(f"Sentence {i:02d} of the harbour story. " for i in range(40))


def hit(row: int, start: int, end: int, score: float = 1.0) -> Hit:
    return Hit(row, score, start, end, TEXT[start:end])


def test_overlapping_chunks_of_one_file_merge_into_one_exact_span() -> None:
    chunks = [
        Chunk("a.txt", None, 0, 300, TEXT[:300]),
        Chunk("a.txt", None, 200, 500, TEXT[200:500]),
    ]
    merged = merge_overlaps([hit(0, 0, 300), hit(1, 200, 500, 0.5)], chunks, max_chars=2000)
    assert [(h.start, h.end) for h in merged] == [(0, 500)]
    assert merged[0].text == TEXT[0:500]


def test_other_files_and_disjoint_spans_are_left_alone() -> None:
    chunks = [
        Chunk("a.txt", None, 0, 100, TEXT[:100]),
        Chunk("b.txt", None, 50, 150, TEXT[50:150]),
        Chunk("a.txt", None, 400, 500, TEXT[400:500]),
    ]
    merged = merge_overlaps([hit(0, 0, 100), hit(1, 50, 150), hit(2, 400, 500)], chunks, 2000)
    assert [(h.row, h.start, h.end) for h in merged] == [(0, 0, 100), (1, 50, 150), (2, 400, 500)]


def test_a_merge_never_grows_past_the_cap_and_keeps_only_the_unseen_part() -> None:
    chunks = [
        Chunk("a.txt", None, 0, 300, TEXT[:300]),
        Chunk("a.txt", None, 200, 600, TEXT[200:600]),
    ]
    merged = merge_overlaps([hit(0, 0, 300), hit(1, 200, 600, 0.5)], chunks, max_chars=400)
    assert [(h.start, h.end) for h in merged][0] == (0, 300)
    rest = merged[1]
    assert rest.start >= 300 and rest.end == 600 and rest.text == TEXT[rest.start : rest.end]
    assert all(h.end - h.start <= 400 for h in merged)
