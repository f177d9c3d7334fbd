"""Writes that wait for the write lock share one update (rag.serving.grouping)."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from rag.serving.grouping import GroupCommit


class Updates:
    """An update that records which changes each run applied; the first one is slow."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.runs: list[list[int]] = []
        self.applied: list[int] = []
        self.started = threading.Event()
        self.fail_on = fail_on

    def __call__(self, apply: Callable[[], None]) -> str:
        before = len(self.applied)
        apply()
        self.runs.append(self.applied[before:])
        if len(self.runs) == 1:
            self.started.set()
            time.sleep(0.3)
        if self.fail_on is not None and self.fail_on in self.runs[-1]:
            raise OSError("disk full")
        return f"generation-{len(self.runs)}"


Write = tuple[Callable[[], object], Callable[[], object]]


def record(updates: Updates, i: int) -> Write:
    return (lambda: updates.applied.append(i)), (lambda: None)


def queued(
    pool: ThreadPoolExecutor, group: GroupCommit[str], updates: Updates, writes: list[Write]
) -> tuple["Future[str]", list["Future[str]"]]:
    """Write 0 goes first; `writes` are submitted while its update runs."""
    first = pool.submit(group.submit, *record(updates, 0))
    updates.started.wait(5)
    return first, [pool.submit(group.submit, *write) for write in writes]


def test_writes_queued_behind_an_update_share_the_next_one() -> None:
    updates = Updates()
    group: GroupCommit[str] = GroupCommit(updates)
    with ThreadPoolExecutor(6) as pool:
        first, rest = queued(pool, group, updates, [record(updates, i) for i in range(1, 6)])
        assert first.result() == "generation-1"
        assert {f.result() for f in rest} == {"generation-2"}
    assert [sorted(run) for run in updates.runs] == [[0], [1, 2, 3, 4, 5]]


def test_a_change_that_fails_is_undone_and_fails_alone() -> None:
    updates = Updates()
    group: GroupCommit[str] = GroupCommit(updates)
    undone: list[int] = []

    def broken() -> None:
        raise PermissionError("uploads folder is read-only")

    with ThreadPoolExecutor(3) as pool:
        first, (bad, good) = queued(
            pool, group, updates, [(broken, lambda: undone.append(1)), record(updates, 2)]
        )
        assert first.result() == "generation-1"
        with pytest.raises(PermissionError):
            bad.result()
        assert good.result() == "generation-2"
    assert undone == [1]
    assert updates.runs[1] == [2]


def test_an_update_that_fails_fails_every_write_in_it_and_the_next_one_runs() -> None:
    updates = Updates(fail_on=1)
    group: GroupCommit[str] = GroupCommit(updates)
    with ThreadPoolExecutor(3) as pool:
        first, failing = queued(pool, group, updates, [record(updates, 1), record(updates, 2)])
        assert first.result() == "generation-1"
        for future in failing:
            with pytest.raises(OSError, match="disk full"):
                future.result()
    assert group.submit(*record(updates, 3)) == "generation-3"  # the group goes on
