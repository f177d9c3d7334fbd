"""A test run that is interrupted (Ctrl-C, or SIGTERM from whoever started it) ends every process
its tests started, servers' own children included (tests/processes.py)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.processes import descendants

# A server in a process group of its own that starts a child of its own (as `rag serve` starts
# milvus-lite), then a command the test waits on (as a test waits on `rag eval`).
INNER = """
import subprocess, sys, time
from pathlib import Path

SERVER = '''
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
time.sleep(600)
'''

def test_waits_on_a_command():
    subprocess.Popen([sys.executable, "-c", SERVER], start_new_session=True)
    Path({started!r}).touch()
    subprocess.run([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_leaves_no_process_behind(tmp_path: Path, sig: signal.Signals) -> None:
    started = tmp_path / "started"
    (tmp_path / "test_inner.py").write_text(INNER.format(started=str(started)))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.processes", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180  # a loaded machine starts the inner run slowly
    while not started.exists() or len(descendants(run.pid)) < 3:
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()[0]
        time.sleep(0.1)
    below = descendants(run.pid)  # server, its child, the command (and nothing of ours)
    run.send_signal(sig)
    output = run.communicate(timeout=60)[0]
    assert run.returncode != 0, output
    time.sleep(0.2)
    alive = [pid for pid in below if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
    assert alive == [], textwrap.shorten(output, 2000)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return False
