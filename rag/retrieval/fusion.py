"""How dense and BM25 rankings combine: reciprocal rank fusion with weights that suit the question.

A journalist's question full of names ("What did Hua Chunying say about the Uighur bill?") is
best served by exact words; a paraphrase ("What quip does the Post use?") by meaning. Fixed
weights lost to BM25 alone at rank 1 on the seeds set, so the lexical weight grows with the
share of the question's words that are proper names. Numbers and rare words were tried too and
cost SciFact more: scientific claims are full of both (README, Evaluation).
"""

import re
from collections.abc import Sequence

from rag.retrieval.abstention import question_words

_PROPER = re.compile(r"^[A-Z][\w'’-]*[a-z]")  # Hua, TikTok, Xinjiang's; not gene names like HNF4A


def specificity(question: str) -> float:
    """The share of the question's content words that are proper names (not its first word)."""
    words = question_words(question)
    if not words:
        return 0.0
    specific = sum(1 for i, w, _ in words if i and _PROPER.match(w))
    return specific / len(words)


def question_weights(
    question: str, dense: float, lexical: float, lean: float
) -> tuple[float, float]:
    """(dense, lexical) RRF weights for this question: lexical scaled by 1 + lean * specificity."""
    return dense, lexical * (1.0 + lean * specificity(question))


def rrf(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int
) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: rows by the sum of weight / (k + rank) over the rankings holding them."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])
