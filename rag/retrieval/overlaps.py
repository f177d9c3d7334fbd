"""Overlapping chunks of one file, folded into one passage so a reader never sees a span twice."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.corpus.chunking import Chunk


@dataclass
class Hit:
    """A ranked span of a file on its way to becoming a passage."""

    row: int
    score: float
    start: int
    end: int
    text: str
    also: list[dict[str, Any]] = field(default_factory=list)


def merge_overlaps(hits: list[Hit], chunks: Sequence[Chunk], max_chars: int) -> list[Hit]:
    """Fold a lower-ranked chunk into a higher-ranked one of the same file when their spans overlap.

    A merge may not grow a passage past `max_chars`: then only the part of the chunk that the
    passage does not already show is kept, as a passage of its own.
    """
    kept: list[Hit] = []
    by_doc: dict[str, list[Hit]] = {}
    for hit in hits:
        same_doc = by_doc.setdefault(chunks[hit.row].doc_id, [])
        rest: Hit | None = hit
        for best in same_doc:
            if rest is None:
                break
            if rest.start < best.end and best.start < rest.end:
                if max(best.end, rest.end) - min(best.start, rest.start) <= max_chars:
                    _absorb(best, rest)
                    rest = None
                else:
                    rest = _outside(rest, best)
        if rest is not None:
            kept.append(rest)
            same_doc.append(rest)
    return kept


def _outside(hit: Hit, shown: Hit) -> Hit | None:
    """The longer part of `hit` that lies outside `shown`, trimmed of whitespace; None if nothing."""
    before = (hit.start, min(hit.end, shown.start))
    after = (max(hit.start, shown.end), hit.end)
    start, end = max(before, after, key=lambda span: span[1] - span[0])
    text = hit.text[start - hit.start : end - hit.start]
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    if not text:
        return None
    return Hit(hit.row, hit.score, start + lead, start + lead + len(text), text, hit.also)


def _absorb(best: Hit, other: Hit) -> None:
    """Grow `best` to the union of both spans; both texts are slices of one file, so they splice."""
    if other.start < best.start:
        best.text = other.text[: best.start - other.start] + best.text
        best.start = other.start
    if other.end > best.end:
        best.text = best.text + other.text[len(other.text) - (other.end - best.end) :]
        best.end = other.end
