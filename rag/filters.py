"""Narrow a question to some documents, a publication period or some outlets.

Filters become a mask over chunk rows that both rankers apply before they cut their top k, so
a filtered question still gets top_k passages when that many match. An article with no known
publication date never matches a date filter: nobody can show it falls in the period.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from rag.errors import InvalidQueryError
from rag.index import LoadedIndex


@dataclass(frozen=True)
class Filters:
    """What a question is narrowed to; an empty field does not narrow."""

    doc_ids: tuple[str, ...] = ()
    published_from: date | None = None
    published_to: date | None = None
    outlets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise InvalidQueryError(
                f"filters.published_from ({self.published_from}) is after "
                f"filters.published_to ({self.published_to})"
            )

    def __bool__(self) -> bool:
        return bool(self.doc_ids or self.published_from or self.published_to or self.outlets)


def row_mask(index: LoadedIndex, filters: Filters) -> NDArray[np.bool_]:
    """True for every chunk row that passes the filters."""
    articles = index.articles
    keep = np.ones(len(index.chunks), dtype=bool)
    if filters.doc_ids:
        wanted = set(filters.doc_ids)
        keep &= [c.doc_id in wanted or c.doc_id.split("#", 1)[0] in wanted for c in index.chunks]
    if filters.published_from or filters.published_to:
        low = (filters.published_from or date.min).isoformat()
        high = (filters.published_to or date.max).isoformat()
        keep &= [a.published is not None and low <= a.published <= high for a in articles]
    if filters.outlets:
        wanted = {o.casefold() for o in filters.outlets}
        keep &= [a.outlet is not None and a.outlet.casefold() in wanted for a in articles]
    return keep
