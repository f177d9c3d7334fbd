"""BM25 (rag.stores.lexical): tokens, and rebuilds that reuse the last build's tokens."""

import numpy as np

from rag.stores import lexical
from rag.stores.lexical import LexicalIndex, tokenize

TEXTS = [
    "The council voted 7-2 to reopen the harbour ferry after the storm.",
    "Beekeepers in Ashby say the heather harvest was the best in a decade.",
    "Rovers won 3-1 at home; the state-of-the-art stand opened on Saturday.",
]


def test_tokens_are_stemmed_without_stopwords_and_keep_hyphenated_wholes() -> None:
    tokens = tokenize("The ferries were re-opened on 407-1 Harbour Road")
    assert "the" not in tokens and "on" not in tokens
    assert {"ferri", "harbour", "407-1", "re-open", "407", "1"} <= set(tokens)


def test_a_rebuild_ranks_as_a_fresh_build_and_forgets_what_was_dropped() -> None:
    LexicalIndex.build(TEXTS[:2])
    grown = LexicalIndex.build(TEXTS)  # two of three chunks' tokens come from the last build
    lexical._last_build = lexical._LastBuild()
    fresh = LexicalIndex.build(TEXTS)
    for question in ("harbour ferry vote", "state-of-the-art stand", "heather harvest"):
        a, b = grown.search(question, 3), fresh.search(question, 3)
        assert np.array_equal(a[1], b[1]) and np.allclose(a[0], b[0])
    LexicalIndex.build(TEXTS[2:])
    assert set(lexical._last_build._tokens) == {TEXTS[2]}
