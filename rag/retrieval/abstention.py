"""Does the corpus answer this question? A small logistic model over several retrieval signals.

One cosine cut-off did not carry across questions or corpora (a fresh answerable question in
eleven was refused; on-topic questions about people the articles never mention passed). The
signals here measure different things: how close the best chunk is (dense top score), how much
it stands out from the rest (gap), whether the question's rare words and names occur in the top
passages at all, and whether the dense and final rankings agree. Rarity is English word
frequency (wordfreq), not corpus statistics, so the signals mean the same on any corpus and any
store. The weights are fitted by `python -m eval.abstention` and shipped as `abstention.json`.
"""

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.errors import ConfigError
from rag.retrieval import PASSAGE_CACHE
from rag.retrieval.evidence import Evidence, rarity, stems_of
from rag.stores.lexical import tokenize

FEATURES = (
    "dense_top",
    "dense_gap",
    "rare_coverage",
    "name_coverage",
    "missing_rarity",
    "agree",
    "focus_share",
    "answer_in_window",
    "numbers_found",
)
SHIPPED = Path(__file__).with_name("abstention.json")
TOP_PASSAGES = 3
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")


@lru_cache(maxsize=PASSAGE_CACHE)
def _vocabulary(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """A passage's stems and its casefolded words, kept: top passages recur across questions."""
    return frozenset(tokenize(text)), frozenset(_WORD.findall(text.casefold()))


def question_words(question: str) -> list[tuple[int, str, frozenset[str]]]:
    """(position, word, stems) for the question's content words: stopwords and single letters out."""
    words = ((i, w, stems_of(w)) for i, w in enumerate(_WORD.findall(question)) if len(w) > 1)
    return [(i, w, stems) for i, w, stems in words if stems]


def signals(
    question: str,
    dense: Sequence[float],
    agree: bool,
    texts: Sequence[str],
    evidence: Evidence,
) -> dict[str, float]:
    """The model's inputs: `dense` the top dense scores, best first; `texts` the top passages;
    `evidence` where the question's names, numbers and key words occur in them."""
    top = dense[0] if dense else 0.0
    rest = dense[1:10]
    found: set[str] = set()
    words: set[str] = set()
    for text in texts[:TOP_PASSAGES]:
        passage_stems, passage_words = _vocabulary(text)
        found |= passage_stems
        words |= passage_words
    weight = covered = missing = 0.0
    for _, word, stems in question_words(question):
        rare = rarity(word.casefold())
        hit = all(s in found for s in stems) or word.casefold() in words
        weight += rare
        covered += rare if hit else 0.0
        missing = max(missing, 0.0 if hit else rare)
    share = covered / weight if weight else 0.0
    return {
        "dense_top": top,
        "dense_gap": top - (sum(rest) / len(rest) if rest else 0.0),
        "rare_coverage": share,
        "name_coverage": evidence.share(("name", "number")),
        "missing_rarity": missing / 7.0,
        "agree": 1.0 if agree else 0.0,
        "focus_share": evidence.focus_share,
        "answer_in_window": 1.0 if evidence.answer_in_window else 0.0,
        "numbers_found": evidence.share(("number",)),
    }


@dataclass(frozen=True)
class AbstentionModel:
    """Standardised features, a logistic regression, and the cut-off it was fitted with."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def confidence(self, values: dict[str, float]) -> float:
        """The calibrated probability that the top passages answer the question."""
        z = self.bias + sum(
            w * (values[f] - m) / s
            for f, m, s, w in zip(FEATURES, self.means, self.scales, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            **{k: getattr(self, k) for k in ("means", "scales", "weights", "bias", "threshold")},
        }

    @classmethod
    def load(cls, path: Path | None = None) -> "AbstentionModel":
        """Read a fitted model; also loads the word-frequency table now, not on a first question."""
        rarity("news")
        path = path or SHIPPED
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            if tuple(raw["features"]) != FEATURES:
                raise ValueError(f"features {raw['features']} are not {list(FEATURES)}")
            return cls(
                tuple(raw["means"]),
                tuple(raw["scales"]),
                tuple(raw["weights"]),
                float(raw["bias"]),
                float(raw["threshold"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"abstention model {path}: {exc}") from exc
