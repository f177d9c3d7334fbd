"""The service's own writes are undone exactly: by a rollback, and by the next writer after a
crash (a journal whose process is gone)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.corpus.writes import CorpusWrites, Exclusions
from tests.conftest import ROOT


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_rollback_restores_replaced_files_removes_new_ones_and_their_folders(
    tmp_path: Path,
) -> None:
    uploads, pending = tmp_path / "uploads", tmp_path / "pending"
    (uploads / "kept").mkdir(parents=True)
    (uploads / "kept" / "old.txt").write_bytes(b"old")
    (uploads / "gone.txt").write_bytes(b"gone")
    before = files(uploads)
    writes = CorpusWrites(pending)
    assert writes.put(uploads / "kept" / "old.txt", b"new")
    assert writes.put(uploads / "deep" / "er" / "fresh.txt", b"fresh")
    assert writes.remove(uploads / "gone.txt")
    assert not writes.put(uploads / "kept" / "old.txt", b"new")  # already holds it
    writes.rollback()
    assert files(uploads) == before and not (uploads / "deep").exists()
    assert oct((uploads / "gone.txt").stat().st_mode & 0o777) == "0o644"
    assert list(pending.iterdir()) == []


def test_commit_keeps_the_changes_and_forgets_the_undo(tmp_path: Path) -> None:
    writes = CorpusWrites(tmp_path / "pending")
    writes.put(tmp_path / "up" / "a.txt", b"a")
    writes.commit()
    assert (tmp_path / "up" / "a.txt").read_bytes() == b"a"
    assert list((tmp_path / "pending").iterdir()) == []


def test_a_dead_writers_journal_is_played_back_and_a_live_ones_is_not(tmp_path: Path) -> None:
    uploads, pending = tmp_path / "uploads", tmp_path / "pending"
    uploads.mkdir()
    (uploads / "a.txt").write_bytes(b"before")
    live = CorpusWrites(pending)
    live.put(uploads / "c.txt", b"in flight")
    killed = (  # a writer that dies mid-update, as kill -9 leaves it: journal and all
        "import os, sys; from pathlib import Path; from rag.corpus.writes import CorpusWrites; "
        "w = CorpusWrites(Path(sys.argv[1])); w.put(Path(sys.argv[2]) / 'a.txt', b'after'); "
        "w.put(Path(sys.argv[2]) / 'b.txt', b'ghost'); os._exit(9)"
    )
    subprocess.run(
        [sys.executable, "-c", killed, str(pending), str(uploads)], cwd=ROOT, start_new_session=True
    )
    assert files(uploads) == {"a.txt": b"after", "b.txt": b"ghost", "c.txt": b"in flight"}
    assert CorpusWrites.stale(pending) and CorpusWrites.recover(pending) == 1
    assert files(uploads) == {"a.txt": b"before", "c.txt": b"in flight"}
    assert not CorpusWrites.stale(pending)  # this process's journal: its update is in flight
    live.rollback()
    assert files(uploads) == {"a.txt": b"before"} and list(pending.iterdir()) == []


def test_exclusions_round_trip_and_a_damaged_list_is_one_clear_error(tmp_path: Path) -> None:
    from rag.errors import StorageError

    listed = Exclusions(tmp_path / "excluded.json")
    assert listed.ids() == frozenset()
    listed.save(frozenset({"b.txt", "a.txt"}))
    assert listed.ids() == {"a.txt", "b.txt"}
    (tmp_path / "excluded.json").write_text("{not json")
    with pytest.raises(StorageError, match="deleting it brings every removed document back"):
        listed.ids()


UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]


def test_a_writer_killed_as_pid_1_is_recovered_by_the_next_pid_1(tmp_path: Path) -> None:
    """In a container the server is PID 1 after every restart: a killed writer's journal must
    not look alive to the next one (over 10 kill -9 rounds, 20 unacknowledged uploads had become
    indexed ghosts when liveness was the journal's process id)."""
    uploads, pending = tmp_path / "uploads", tmp_path / "pending"
    uploads.mkdir()
    killed = (
        "import os, sys; from pathlib import Path; from rag.corpus.writes import CorpusWrites; "
        "assert os.getpid() == 1; w = CorpusWrites(Path(sys.argv[1]), [Path(sys.argv[2])]); "
        "w.put(Path(sys.argv[2]) / 'ghost.txt', b'never acknowledged'); os._exit(9)"
    )
    restarted = (
        "import os, sys; from pathlib import Path; from rag.corpus.writes import CorpusWrites; "
        "assert os.getpid() == 1; "
        "print(CorpusWrites.stale(Path(sys.argv[1])), "
        "CorpusWrites.recover(Path(sys.argv[1]), [Path(sys.argv[2])]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(3):
        done = subprocess.run(
            [*UNSHARE, sys.executable, "-c", killed, str(pending), str(uploads)],
            capture_output=True, text=True, env=env, start_new_session=True,
        )  # fmt: skip
        if "unshare failed" in done.stderr or "Operation not permitted" in done.stderr:
            pytest.skip(f"no PID namespace here: {done.stderr.strip()}")
        assert done.returncode == 9, done.stderr
        assert (uploads / "ghost.txt").exists()
        after = subprocess.run(
            [*UNSHARE, sys.executable, "-c", restarted, str(pending), str(uploads)],
            capture_output=True, text=True, env=env, start_new_session=True,
        )  # fmt: skip
        assert after.stdout.split() == ["True", "1"], after.stderr
        assert files(uploads) == {} and list(pending.iterdir()) == []


def test_playback_never_touches_a_path_outside_the_service_folders(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    uploads, pending, theirs = tmp_path / "uploads", tmp_path / "pending", tmp_path / "theirs"
    for folder in (uploads, pending, theirs / "keep"):
        folder.mkdir(parents=True)
    (theirs / "precious.txt").write_bytes(b"the user's")
    (uploads / "own.txt").write_bytes(b"unacknowledged")
    entries = [
        {"path": str(theirs / "precious.txt"), "old": None, "made": [str(theirs / "keep")]},
        {"path": str(uploads / ".." / "theirs" / "precious.txt"), "old": None, "made": []},
        {"path": str(uploads / "own.txt"), "old": str(theirs / "precious.txt"), "made": []},
        {"path": str(uploads / "own.txt"), "old": None, "made": []},
    ]
    (pending / "planted.json").write_text(json.dumps(entries))
    (pending / ".upload-left-by-a-kill.tmp").write_bytes(b"half")
    with caplog.at_level("WARNING"):
        assert CorpusWrites.recover(pending, [uploads]) == 1
    assert (theirs / "precious.txt").read_bytes() == b"the user's" and (theirs / "keep").is_dir()
    assert not (uploads / "own.txt").exists()  # the one entry inside the uploads folder
    assert sum("refused to play back" in r.message for r in caplog.records) == 3
    assert list(pending.iterdir()) == []
