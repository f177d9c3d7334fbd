"""Narrow a question to some documents, a publication period or some outlets.

Filters become a mask over chunk rows that both rankers apply before they cut their top k, so
a filtered question still gets top_k passages when that many match. An article with no known
publication date never matches a date filter: nobody can show it falls in the period.
"""

import difflib
from datetime import date

import numpy as np
from numpy.typing import NDArray

from rag.index import LoadedIndex
from rag.query import Filters, file_of


def row_mask(index: LoadedIndex, filters: Filters) -> NDArray[np.bool_]:
    """True for every chunk row that passes the filters."""
    articles = index.articles
    keep = np.ones(len(index.chunks), dtype=bool)
    if filters.doc_ids:
        wanted = set(filters.doc_ids)
        keep &= [c.doc_id in wanted or file_of(c.doc_id) in wanted for c in index.chunks]
    if filters.published_from or filters.published_to:
        low = (filters.published_from or date.min).isoformat()
        high = (filters.published_to or date.max).isoformat()
        keep &= [a.published is not None and low <= a.published <= high for a in articles]
    if filters.outlets:
        wanted = {o.casefold() for o in filters.outlets}
        keep &= [a.outlet is not None and a.outlet.casefold() in wanted for a in articles]
    return keep


def why_nothing_matches(index: LoadedIndex, filters: Filters) -> str:
    """In plain words, which filter matched no article (and what the archive has instead)."""
    articles = [a for d in index.documents for a in d.articles]
    problems = []
    if filters.doc_ids:
        known = {d.doc_id for d in index.documents} | {d.file for d in index.documents}
        missing = [d for d in filters.doc_ids if d not in known]
        if len(missing) == len(filters.doc_ids):
            problems.append(f"no document is called {_listed(missing)}")
    if filters.outlets:
        outlets = sorted({a.outlet for a in articles if a.outlet})
        wanted = {o.casefold() for o in filters.outlets}
        if not any(o.casefold() in wanted for o in outlets):
            problems.append(
                f"no article is from {_listed(filters.outlets)}{_near(filters.outlets, outlets)}"
            )
    if filters.reversed:
        problems.append(
            f"published_from ({filters.published_from}) is after published_to "
            f"({filters.published_to}): swap them"
        )
    elif filters.published_from or filters.published_to:
        dates = sorted(a.published for a in articles if a.published)
        period = f"{filters.published_from or '...'} to {filters.published_to or '...'}"
        span = (
            f" (dated articles run from {dates[0]} to {dates[-1]})"
            if dates
            else " (no article has a date)"
        )
        low = (filters.published_from or date.min).isoformat()
        high = (filters.published_to or date.max).isoformat()
        if not any(low <= d <= high for d in dates):
            problems.append(f"no article was published {period}{span}")
    if not problems:
        return "No article matches all of these filters together: widen one of them."
    return f"No article matches the filters: {'; '.join(problems)}."


def _listed(names: tuple[str, ...] | list[str]) -> str:
    return " or ".join(repr(n[:80]) for n in names[:5])


def _near(wanted: tuple[str, ...], outlets: list[str]) -> str:
    """Outlets the user may have meant: close spellings, or names that contain theirs."""
    lowered = {o.casefold(): o for o in outlets}
    near = [
        lowered[m]
        for w in wanted
        for m in difflib.get_close_matches(w.casefold(), lowered, n=3, cutoff=0.6)
    ]
    near += [o for o in outlets for w in wanted if w.casefold() in o.casefold() and o not in near]
    if near:
        return f" (did you mean {_listed(near)}?)"
    return (
        f" (outlets in the archive: {_listed(outlets)})"
        if outlets
        else " (no article names its outlet)"
    )
