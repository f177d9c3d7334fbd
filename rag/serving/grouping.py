"""Group concurrent writes into one index update, so uploads that wait share the rebuild.

An update's cost is mostly fixed (the corpus re-read, BM25 rebuilt, records written, the new
generation loaded), so when several uploads and deletes queue behind the write lock, doing
them one update each makes the last one wait for all the others. Here the first writer to find
no update running becomes the leader: it takes every change queued so far, applies them all
in one update and hands each waiting writer the same report.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

R = TypeVar("R")
Change = Callable[[], object]


@dataclass
class _Ticket:
    change: Change
    undo: Callable[[], object]
    done: bool = False
    error: BaseException | None = None
    result: object = None


class GroupCommit(Generic[R]):
    """Runs `update(apply)` for the changes queued while the previous update ran.

    `apply`, called by the update under its lock, makes each change in turn; a change that
    raises is undone at once (before the corpus is read) and its writer gets the exception,
    while the others go on. An update that fails fails every writer in it.
    """

    def __init__(self, update: Callable[[Callable[[], None]], R]) -> None:
        self._update = update
        self._cond = threading.Condition()
        self._queue: list[_Ticket] = []
        self._running = False

    def submit(self, change: Change, undo: Callable[[], object]) -> R:
        """Make `change` and publish it with whatever else is waiting; the update's report."""
        ticket = _Ticket(change, undo)
        with self._cond:
            self._queue.append(ticket)
            while self._running and not ticket.done:
                self._cond.wait()
            if not ticket.done:
                self._running = True
                batch, self._queue = self._queue, []
        if not ticket.done:
            self._lead(batch)
        with self._cond:
            if ticket.error is not None:
                raise ticket.error
            return cast(R, ticket.result)

    def _lead(self, batch: list[_Ticket]) -> None:
        def apply() -> None:
            for t in batch:
                try:
                    t.change()
                except BaseException as exc:  # this writer's failure, not the group's
                    t.undo()
                    t.error = exc

        try:
            report = self._update(apply)
        except BaseException as exc:
            for t in batch:
                t.error = t.error or exc
        else:
            for t in batch:
                t.result = report
        finally:
            with self._cond:
                for t in batch:
                    t.done = True
                self._running = False
                self._cond.notify_all()
