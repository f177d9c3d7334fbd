"""A pytest plugin: a test run leaves no process behind, however it ends.

Tests start real servers (`rag serve`, milvus-lite) and commands (`rag eval`); each is started in
a process group of its own (`start_new_session=True`, so a Ctrl-C meant for the run does not
half-stop a server mid-test), and this plugin ends them all when the run ends:

- the run becomes a child subreaper (Linux `prctl`), so a server's own children (milvus-lite
  under `rag serve`) stay its descendants even when the server dies first;
- SIGTERM is turned into KeyboardInterrupt, so pytest tears its fixtures down as on Ctrl-C, and the
  run is sent SIGTERM when whatever started it (`make test`) dies;
- at the end, every descendant's process group gets SIGTERM, then SIGKILL after a grace period.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
GRACE_S = 5.0


def python_child(
    code: str, env: dict[str, str] | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """`python -c code` in a fresh interpreter (what it imports is its own), in a process group
    of its own, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=check,
        start_new_session=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    if os.name == "posix" and Path("/proc/self/stat").exists():
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    signal.signal(signal.SIGTERM, _interrupted)


def pytest_unconfigure(config: pytest.Config) -> None:
    end_descendants()


def _interrupted(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the cleanup
    raise KeyboardInterrupt(f"signal {signum}")


def descendants(root: int | None = None) -> list[int]:
    """Every living process below `root` (this one by default), read from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            if fields[0] != "Z":  # a zombie is already gone, only not yet reaped
                parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root or os.getpid()]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def end_descendants(grace_s: float = GRACE_S) -> None:
    """SIGTERM to every descendant's process group (and to it), then SIGKILL to what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = descendants()
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                group = os.getpgid(pid)
                if group != os.getpgrp():
                    os.killpg(group, sig)
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and descendants():
            _reap()
            time.sleep(0.05)
    _reap()


def _reap() -> None:
    """Collect the exit status of children that ended (orphans adopted as subreaper too)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
