"""Saving, listing and re-checking watched questions, whatever store holds them."""

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from rag.errors import WatchLimitError, WatchNotFoundError
from rag.generation.answering import Answer
from rag.query import Filters
from rag.workbench.watches.base import MAX_HISTORY, Change, Cited, Snapshot, Watch, WatchStore

Answerer = Callable[[str, Filters], Answer]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Watches:
    """The deployment's watched questions; `answer` re-answers one (in the background queue
    when the service re-checks after an update)."""

    def __init__(self, store: WatchStore, max_watches: int) -> None:
        self.store, self.max_watches = store, max_watches

    def add(self, question: str, filters: Filters, answer: Answer, generation: str) -> Watch:
        """Save a question with the answer it has now (its first snapshot)."""
        with self.store.locked():
            count = len(self.store.all())
            if count >= self.max_watches:
                raise WatchLimitError(
                    f"{count} questions are watched, the most RAG_MAX_WATCHES allows: remove "
                    "one (DELETE /watches/{id}, `rag watch remove ID`) or raise the limit"
                )
            at = now()
            watch = Watch(
                id=f"w-{secrets.token_hex(6)}",
                question=question,
                filters=filters,
                created_at=at,
                last=Snapshot.of(answer, generation, at),
            )
            self.store.put(watch)
        return watch

    def all(self) -> list[Watch]:
        """Every watch, the most recently changed first."""
        return sorted(self.store.all(), key=_last_moved, reverse=True)

    def get(self, watch_id: str) -> Watch:
        watch = self.store.get(watch_id)
        if watch is None:
            raise WatchNotFoundError(f"No watched question {watch_id[:40]!r}")
        return watch

    def remove(self, watch_id: str) -> None:
        with self.store.locked():
            if not self.store.delete(watch_id):
                raise WatchNotFoundError(f"No watched question {watch_id[:40]!r}")

    def check(self, generation: str, answer: Answerer) -> list[Change]:
        """Re-answer every watch not yet checked against `generation` and record what moved;
        returns the changes at `generation`, whichever process recorded them."""
        watches = {w.id: w for w in self.store.all()}
        for stale in [w for w in watches.values() if w.last.generation != generation]:
            fresh = Snapshot.of(answer(stale.question, stale.filters), generation, now())
            with self.store.locked():
                current = self.store.get(stale.id)  # removed, or checked by another process
                if current is not None and current.last.generation != generation:
                    current = _recorded(current, fresh)
                    self.store.put(current)
            if current is None:
                del watches[stale.id]
            else:
                watches[stale.id] = current
        return [
            w.history[-1]
            for w in watches.values()
            if w.history and w.history[-1].after.generation == generation
        ]


def _recorded(watch: Watch, fresh: Snapshot) -> Watch:
    """The watch with its new answer, and a change in its history when the answer moved."""
    history = watch.history
    if fresh.differs(watch.last):
        change = Change(before=watch.last, after=fresh, summary=describe(watch.last, fresh))
        history = (*history, change)[-MAX_HISTORY:]
    return watch.model_copy(update={"last": fresh, "history": history})


def _last_moved(watch: Watch) -> str:
    return watch.history[-1].after.checked_at if watch.history else watch.created_at


def describe(before: Snapshot, after: Snapshot) -> str:
    """The change in words: "new: 2 articles (12 Mar 2024, 14 Mar 2024): “…”, “…”; ..."."""
    was = {c.doc_id for c in before.cited}
    now_ = {c.doc_id for c in after.cited}
    parts = []
    if before.answerable != after.answerable:
        parts.append("now answered from the archive" if after.answerable else "no longer answered")
    added = [c for c in after.cited if c.doc_id not in was]
    if added:
        dates = sorted({c.published[:10] for c in added if c.published})
        when = f" from {', '.join(dates)}" if dates else ""
        plural = "s" if len(added) > 1 else ""
        parts.append(f"new: {len(added)} article{plural}{when}: {_titles(added)}")
    gone = [c for c in before.cited if c.doc_id not in now_]
    if gone:
        parts.append(f"no longer cites {_titles(gone)}")
    if not parts:
        parts.append("the answer's wording changed")
    elif after.answerable and added and len(after.cited) > len(added):
        parts.append(f"the answer now cites {_titles(after.cited)}")
    return "; ".join(parts)


def _titles(cited: tuple[Cited, ...] | list[Cited]) -> str:
    return ", ".join(f"“{c.title or c.doc_id}”" for c in cited)
