"""Questions about "now": the answer says how recent its sources are.

A question for the latest figure, the current holder of a post or what is still so is answered
from what the archive said last, and a reporter must see when that was: the answer ends "As of
4 May 2021 (the newest source cited)." Dates are the articles' publication dates.
"""

import re
from collections.abc import Sequence
from datetime import date

from rag.retrieval.retriever import Passage

_NOW = re.compile(
    r"\b(now|latest|current(ly)?|still|today|so far|to date|most recent(ly)?|at present|"
    r"as it stands|these days)\b",
    re.I,
)


def asks_now(question: str) -> bool:
    return bool(_NOW.search(question))


def day(published: str | None) -> str | None:
    """ "4 May 2021" for an ISO date (its first ten characters); None when there is none."""
    try:
        when = date.fromisoformat((published or "")[:10])
    except ValueError:
        return None
    return f"{when.day} {when:%B %Y}"


def as_of(question: str, passages: Sequence[Passage], cited: Sequence[int]) -> str | None:
    """The sentence to end an answer to a question about now with, from the newest publication
    date among the passages it cites; None for other questions or when none is dated."""
    if not asks_now(question):
        return None
    dated = [
        p.published[:10] for p in passages if p.rank in cited and p.published and day(p.published)
    ]
    return f"As of {day(max(dated))} (the newest source cited)." if dated else None
