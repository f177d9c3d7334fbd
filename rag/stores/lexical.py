"""BM25 over the same chunks as the dense index (bm25s, Snowball-stemmed English)."""

import re
import sys
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

FOLDER = "bm25"
_TOKEN = re.compile(r"\w+")
_COMPOUND = re.compile(r"\b\w++(?:-\w++)+")  # possessive: no backtracking through every word


_local = threading.local()


def _stemmer() -> Any:
    """One stemmer per thread: PyStemmer's are not safe to share, and queries rank in parallel."""
    if not hasattr(_local, "stemmer"):
        import Stemmer

        _local.stemmer = Stemmer.Stemmer("english")
    return _local.stemmer


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens, stopwords out, stemmed; hyphenated numbers stay whole ("407-1")."""
    lowered = text.lower()
    stop = _stopwords()
    words = [w for w in _TOKEN.findall(lowered) if w not in stop]
    if "-" in lowered:
        words += _COMPOUND.findall(lowered)
    return _stemmer().stemWords(words)  # type: ignore[no-any-return]


class _LastBuild:
    """The tokens of the chunks the last build indexed. Every update rebuilds BM25 over chunks
    it mostly saw before, and tokenizing them again was half of a small upload's cost; only the
    last build's are kept, so what is deleted is forgotten and memory stays that of one corpus."""

    LIMIT = 20_000  # chunks; a bigger corpus is tokenized afresh each time

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        with self._lock:
            seen = self._tokens
        tokens = {t: seen.get(t) or _interned(t) for t in texts}
        with self._lock:
            self._tokens = tokens if len(tokens) <= self.LIMIT else {}
        return [list(tokens[t]) for t in texts]


def _interned(text: str) -> tuple[str, ...]:
    return tuple(sys.intern(t) for t in tokenize(text)) or ("",)


_last_build = _LastBuild()


class LexicalIndex:
    """A BM25 ranking of chunk rows, saved beside the vectors."""

    def __init__(self, bm25: Any) -> None:
        self._bm25 = bm25

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index(_last_build.tokens(texts), show_progress=False)
        return cls(bm25)

    def search(
        self, query: str, k: int, allowed: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Best rows first (only `allowed` ones, when given); rows with no shared term are left out."""
        tokens = tokenize(query)
        if not tokens:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0).astype(np.float32)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, np.int64)
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return scores[top], top.astype(np.int64)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder / FOLDER))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder / FOLDER)))
