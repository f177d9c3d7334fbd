"""Background threads that keep a serving process current: a newer index generation is loaded
within a second, and (optionally) edits in the corpus folder trigger an update."""

import logging
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("rag.reload")


class Repeater:
    """Calls `fn` every `interval_s` seconds on a daemon thread until stopped; errors are logged."""

    def __init__(self, fn: Callable[[], object], interval_s: float, name: str) -> None:
        self._fn, self._interval = fn, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._fn()
            except Exception:  # noqa: BLE001 - keep serving the index we have
                log.exception("background %s failed; will try again", self._thread.name)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


class Nudged:
    """Runs `fn` on a daemon thread after each nudge (nudges that arrive while it runs make one
    more run, not one each); errors are logged."""

    def __init__(self, fn: Callable[[], object], name: str) -> None:
        self._fn = fn
        self._due, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        self._due.set()

    def _run(self) -> None:
        while self._due.wait() and not self._stop.is_set():
            self._due.clear()
            try:
                self._fn()
            except Exception:  # noqa: BLE001 - the next nudge tries again
                log.exception("background %s failed; will try again", self._thread.name)

    def stop(self) -> None:
        self._stop.set()
        self._due.set()
        self._thread.join(timeout=10)


class CorpusWatcher:
    """Runs `on_change` after files under `root` change (watchfiles: inotify, debounced)."""

    def __init__(self, root: Path, on_change: Callable[[], object]) -> None:
        self._root, self._on_change = root, on_change
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="corpus-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from watchfiles import watch

        for changes in watch(self._root, stop_event=self._stop, debounce=500, recursive=True):
            if any(not Path(p).name.startswith(".") for _, p in changes):  # not only temp files
                try:
                    self._on_change()
                except Exception:  # noqa: BLE001 - a bad file must not stop the watcher
                    log.exception("re-indexing after a corpus change failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
