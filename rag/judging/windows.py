"""What the reader reads: a passage cut into sentence windows, the same way in training and use.

The reader was trained on (question, window) pairs cut by this function from SQuAD paragraphs, so
the judge must cut passages identically: a window is one sentence, joined to the next while it is
shorter than MIN_WORDS words (a dateline or a heading says too little alone).
"""

from rag.corpus.articles import Span
from rag.corpus.chunking import sentence_spans

MIN_WORDS = 6


def windows(text: str) -> list[Span]:
    """Sentence windows of `text`, as spans of it, in order; short sentences join the next."""
    units = sentence_spans(text, Span(0, len(text)))
    out: list[Span] = []
    start: int | None = None
    for unit in units:
        start = unit.start if start is None else start
        if len(text[start : unit.end].split()) >= MIN_WORDS:
            out.append(Span(start, unit.end))
            start = None
    if start is not None:
        tail = Span(start, units[-1].end)
        out[-1:] = [Span(out[-1].start, tail.end)] if out else [tail]
    return out
