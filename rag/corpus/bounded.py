"""A file's reading, bounded in time (RAG_MAX_FILE_SECONDS).

Parsers are libraries (trafilatura, pypdf, lxml) that cannot be told to stop; one that runs away
on a hostile file is left to finish on its own, in a daemon thread that never holds up the
process's exit, and the file is skipped with the reason, so the rest of the archive goes on.
"""

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class TooSlow(Exception):
    """The work did not finish within its time."""


def within(seconds: float | None, work: Callable[[], T], name: str = "reading") -> T:
    """`work()`'s result, or TooSlow after `seconds` (None: no limit, run here)."""
    if seconds is None:
        return work()
    done: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as exc:  # handed to the caller's thread as it is
            failed.append(exc)

    worker = threading.Thread(target=run, name=f"bounded {name}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TooSlow(name)
    if failed:
        raise failed[0]
    return done[0]


def too_slow_reason(stage: str, seconds: float) -> str:
    return (
        f"{stage} took over {seconds:g} s (RAG_MAX_FILE_SECONDS): split the file, or raise the "
        "limit"
    )
