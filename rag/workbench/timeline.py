"""How a story developed: the passages about a question or name, in the order their articles
were published, grouped by day, with each passage's best sentence and its exact span.

Only passages that hold some of the question's names, numbers or key words count (a timeline of
merely similar passages would date the wrong story); syndicated copies are already folded into
one passage by retrieval (`also_in`); undated articles are listed apart, never guessed. Where a
passage's best sentence gives a figure or date for the question that shares nothing with the
last one given before it (the facts rag.generation.disagreements compares), the entry is marked
as where the reported facts changed.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from rag.generation.disagreements import facts
from rag.query import MAX_TOP_K
from rag.retrieval.evidence import gather
from rag.retrieval.retriever import Passage, Retrieval

MIN_SHARE = 0.5  # of the question's key-term weight a passage must hold to be on the timeline


@dataclass(frozen=True)
class Entry:
    passage: Passage
    sentence: tuple[int, int]  # the best-matching sentence's span in the text view
    changed: dict[str, str] | None = None  # {about, was, now}: a figure unlike the last before it

    def as_dict(self) -> dict[str, Any]:
        p, (start, end) = self.passage, self.sentence
        return {
            "doc_id": p.doc_id,
            "title": p.title,
            "outlet": p.outlet,
            "published": p.published,
            "start": p.start,
            "end": p.end,
            "sentence": {"start": start, "end": end, "text": self.text()},
            "also_in": list(p.also_in),
            "changed": self.changed,
        }

    def text(self) -> str:
        start, end = self.sentence
        return self.passage.text[start - self.passage.start : end - self.passage.start]


@dataclass(frozen=True)
class Timeline:
    question: str
    days: tuple[tuple[str, tuple[Entry, ...]], ...]  # (YYYY-MM-DD, entries), oldest first
    undated: tuple[Entry, ...]

    def weeks(self) -> list[dict[str, Any]]:
        """Articles per week (Monday to Sunday), the empty weeks between included."""
        if not self.days:
            return []
        counts: Counter[date] = Counter()
        for day, entries in self.days:
            d = date.fromisoformat(day)
            counts[d - timedelta(days=d.weekday())] += len({e.passage.doc_id for e in entries})
        first, last = min(counts), max(counts)
        weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
        return [{"week_of": w.isoformat(), "articles": counts.get(w, 0)} for w in weeks]

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "days": [{"date": d, "entries": [e.as_dict() for e in es]} for d, es in self.days],
            "undated": [e.as_dict() for e in self.undated],
            "weeks": self.weeks(),
        }


def build(retrieval: Retrieval) -> Timeline:
    """The retrieval's passages that are about the question, by publication date."""
    by_day: dict[str, list[Entry]] = defaultdict(list)
    undated: list[Entry] = []
    for p in retrieval.passages:
        if gather(retrieval.question, [p.text]).share(("name", "number", "word")) < MIN_SHARE:
            continue
        entry = Entry(p, p.highlights[0] if p.highlights else (p.start, p.end))
        day = (p.published or "")[:10]
        if _is_day(day):
            by_day[day].append(entry)
        else:
            undated.append(entry)
    days = _marked(retrieval.question, [(d, by_day[d]) for d in sorted(by_day)])
    return Timeline(retrieval.question, days, tuple(undated))


def _marked(
    question: str, days: list[tuple[str, list[Entry]]]
) -> tuple[tuple[str, tuple[Entry, ...]], ...]:
    """The entries, each marked where its figure for a slot shares nothing with the last one."""
    last: dict[str, tuple[frozenset[str], str]] = {}
    out = []
    for day, entries in days:
        marked = []
        for entry in entries:
            changed = None
            by_slot: dict[str, list[tuple[str, str, str]]] = {}
            for f in facts(question, entry.text()):
                by_slot.setdefault(f.slot, []).append((f.value, f.written, f.noun))
            for slot, found in by_slot.items():
                values = frozenset(v for v, _, _ in found)
                if slot in last and not values & last[slot][0] and changed is None:
                    changed = {"about": found[0][2], "was": last[slot][1], "now": found[0][1]}
                last[slot] = (values, found[0][1])
            marked.append(replace(entry, changed=changed))
        out.append((day, tuple(marked)))
    return tuple(out)


def query_for(top_k: int | None) -> int:
    """How many passages a timeline reads: many, since it is about a whole story."""
    return min(MAX_TOP_K, top_k or MAX_TOP_K)


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
