"""The built-in generator: quotes the passage sentences that best match the question. No model needed."""

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from rag.config import Settings
from rag.corpus.articles import Span
from rag.corpus.chunking import sentence_spans
from rag.embedding.embedder import Embedder
from rag.generation.base import Draft, Quote
from rag.generation.citations import as_text
from rag.retrieval.retriever import Passage
from rag.stores.lexical import tokenize

MAX_SENTENCES = 4
MAX_WORDS = 80
MAX_GAP = 0.5  # a sentence scoring this far below the best one adds noise, not evidence
LEXICAL, RANK, KIND = 0.05, 0.05, 0.3  # score = cosine + these terms, tuned by eval/answers.py
_NUMERIC = re.compile(
    r"^\W*(how (many|much|long|old|soon|close|far|often)|what (date|year|day|time|share|percentage|"
    r"proportion|number)|when)\b",
    re.IGNORECASE,
)
_NAMING = re.compile(r"^\W*(who|whom|whose|which|what (is|was) the name)\b", re.IGNORECASE)
_ENDS = re.compile(r"[.!?…:][\"'”’»)\]]*$")
_ABBREVIATED = re.compile(r"\b[A-Z][a-z]{1,3}\.$")


class ExtractiveGenerator:
    """Quotes the sentences closest in meaning to the question (embedding cosine), nudged toward
    sentences sharing its rare words and toward higher-ranked passages."""

    name = "extractive"
    model = None

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder

    def generate(self, question: str, passages: Sequence[Passage]) -> Draft:
        quotes = self.select(question, passages)
        return Draft(" ".join(f"{_flat(q.text)} [{q.citation}]" for q in quotes), tuple(quotes))

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str | Quote]:
        for i, quote in enumerate(self.select(question, passages)):
            yield quote
            yield f"{' ' if i else ''}{_flat(quote.text)} [{quote.citation}]"

    def select(self, question: str, passages: Sequence[Passage]) -> list[Quote]:
        """The best few sentences, in passage order, within a word budget."""
        candidates = [
            (n, p, span)
            for n, p in enumerate(passages, start=1)
            for span in _sentences(p)
            if quotable(p.text, span)
        ]
        if not candidates:
            return []
        texts = [p.text[s.start : s.end] for _, p, s in candidates]
        wanted = _answer_type(question)
        scores = [
            sem + LEXICAL * lex + RANK / n + KIND * wanted(t)
            for (n, _, _), t, sem, lex in zip(
                candidates,
                texts,
                self._semantic(question, texts),
                _lexical(question, texts),
                strict=True,
            )
        ]
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        chosen: list[int] = []
        words = 0
        for i in order:
            length = len(texts[i].split())
            if chosen and (
                len(chosen) == MAX_SENTENCES
                or words + length > MAX_WORDS
                or scores[i] < scores[chosen[0]] - MAX_GAP
            ):
                continue
            chosen.append(i)
            words += length
        chosen.sort(key=lambda i: (candidates[i][0], candidates[i][2].start))
        return [
            Quote(n, p.doc_id, p.start + s.start, p.start + s.end, p.text[s.start : s.end])
            for n, p, s in (candidates[i] for i in chosen)
        ]

    def _semantic(self, question: str, texts: list[str]) -> list[float]:
        if self.embedder is None:
            return [0.0] * len(texts)
        q = self.embedder.embed_queries([question])[0]
        return [float(x) for x in self.embedder.embed_documents(texts) @ q]


def _lexical(question: str, texts: list[str]) -> list[float]:
    """Sum of idf-like weights of the question's content words each sentence contains."""
    terms = set(tokenize(question)) - _common_words()
    bags = [set(tokenize(t)) for t in texts]
    df = Counter(t for bag in bags for t in bag & terms)
    return [sum(math.log(1 + len(texts) / df[t]) for t in bag & terms) for bag in bags]


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Question words like 'which' or 'after' say nothing about which sentence answers."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(tokenize(" ".join(STOPWORDS_EN_PLUS)))


def quotable(passage: str, span: Span) -> bool:
    """A whole sentence of some length: it starts like one and ends like one, or is a whole line
    of at least eight words (a standfirst); never a piece the passage cuts off."""
    text = passage[span.start : span.end]
    words = len(text.split())
    start = text.lstrip("\"'“‘«(•·*-– \u00a0")[:1]
    if words < 4 or not (start.isupper() or start.isdigit()):
        return False
    whole_line = passage[span.end : span.end + 1] == "\n" and words >= 8 and "\n" not in text
    return bool(_ENDS.search(text)) or whole_line


def _answer_type(question: str) -> Callable[[str], float]:
    """Scores 1 for a sentence holding what the question asks for: a number for "how many",
    "when", ...; a name the question does not already use for "who", "which", ..."""
    if _NUMERIC.search(question):
        return lambda text: 1.0 if any(c.isdigit() for c in text) else 0.0
    if _NAMING.search(question):
        asked = set(question.casefold().split())
        return lambda text: (
            1.0
            if any(w[:1].isupper() and w.casefold() not in asked for w in text.split()[1:])
            else 0.0
        )
    return lambda text: 0.0


def _flat(text: str) -> str:
    return as_text(" ".join(text.split()))


def _sentences(passage: Passage) -> list[Span]:
    """Sentences of a passage; a piece that starts in lower case continues the one before it
    (page breaks in scraped articles cut sentences), as does a number after "Aug." and the like,
    and a line of hard-wrapped text that did not end its sentence ("Gears of War 4, Killer" /
    "Instinct and ..."); the title line is not a sentence."""
    out: list[Span] = []
    for span in sentence_spans(passage.text, Span(0, len(passage.text))):
        piece = passage.text[span.start : span.end]
        previous = passage.text[out[-1].start : out[-1].end] if out else ""
        wrapped = "\n" in previous and not _ENDS.search(previous)
        if out and (
            piece[:1].islower()
            or wrapped
            or (piece[:1].isdigit() and _ABBREVIATED.search(previous))
        ):
            out[-1] = Span(out[-1].start, span.end)
        elif piece != passage.title:
            out.append(span)
    return out
