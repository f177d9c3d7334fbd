"""A user's question and options, checked and normalised before anything is searched."""

import re

from rag.errors import InvalidQueryError

MAX_TOP_K = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_question(question: str, max_chars: int) -> str:
    """Normalise a question or say why it cannot be asked."""
    text = question.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    text = _CONTROL.sub(" ", text).strip()
    if not text:
        raise InvalidQueryError(
            "question is blank: ask something, e.g. 'Who is Michelle Bachelet?'"
        )
    if len(text) > max_chars:
        raise InvalidQueryError(
            f"question is {len(text)} characters long; the limit is {max_chars} (RAG_MAX_QUESTION_CHARS)"
        )
    return text


def check_top_k(top_k: int) -> int:
    """Refuse a passage count outside 1..50, naming the bad value."""
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidQueryError(
            f"top_k must be between 1 and {MAX_TOP_K}. Currently, top_k is {top_k}"
        )
    return top_k
