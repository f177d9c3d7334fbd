"""Where to look in a passage: the sentences that share the most with the question.

A merged passage can run to 2,000 characters; a reader needs the one or two sentences that
answer. Sentences are scored by the question's stemmed content words they contain, words that
are rare in the passage counting more; offsets are exact, in the same text view as the
passage's own.
"""

import math
from collections import Counter
from functools import lru_cache

from rag.corpus.articles import Span
from rag.corpus.chunking import sentence_spans
from rag.retrieval import PASSAGE_CACHE
from rag.stores.lexical import tokenize

MAX_HIGHLIGHTS = 2


def highlights(wanted: frozenset[str], text: str, start: int) -> tuple[tuple[int, int], ...]:
    """Up to two (start, end) sentence spans of `text` (which begins at `start` in its view),
    best first; none when no sentence shares a content word with the question, whose stems
    (`tokenize(question)`, taken once for all its passages) are `wanted`."""
    if not wanted:
        return ()
    sentences = _sentences(text)
    words = [vocabulary & wanted for _, vocabulary in sentences]
    seen = Counter(w for shared in words for w in shared)
    scored = [
        (-sum(1.0 / math.log(1.0 + seen[w]) for w in shared), span.end - span.start, span.start)
        for (span, _), shared in zip(sentences, words, strict=True)
        if shared
    ]
    best = sorted(scored)[:MAX_HIGHLIGHTS]
    if len(best) == 2 and best[1][0] > 0.5 * best[0][0]:
        best = best[:1]  # a second sentence only when it matters nearly as much
    ends = {span.start: span.end for span, _ in sentences}
    return tuple((start + begin, start + ends[begin]) for _, _, begin in best)


@lru_cache(maxsize=PASSAGE_CACHE)
def _sentences(text: str) -> tuple[tuple[Span, frozenset[str]], ...]:
    """A passage's sentences and their stemmed words: the same passages come back for question
    after question, and splitting and stemming them was a quarter of a served query's time."""
    return tuple(
        (span, frozenset(tokenize(text[span.start : span.end])))
        for span in sentence_spans(text, Span(0, len(text)))
    )
