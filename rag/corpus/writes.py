"""The service's own writes for one update (uploaded files, the list of removed corpus files),
each undone when the update fails. Files the user put in the corpus folder are never written."""

import fcntl
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from rag.errors import StorageError
from rag.storage import writing_to

log = logging.getLogger(__name__)


class CorpusWrites:
    """Files put into or removed from the uploads folder, each undoable, even after a crash.

    Every write goes to a temporary file that is fsynced and renamed into place, so a file is
    either wholly the old one or wholly the new one, and an acknowledged upload is on disk.
    Before each change, how to undo it is written to a journal in `pending/` (old contents kept
    beside it); a successful update clears the journal (`commit`), a failed one plays it back
    (`rollback`), and a journal a killed writer left behind is played back by the next writer
    (`recover`), so an upload that was never acknowledged never becomes an indexed ghost.
    Folders a write had to create are removed again by the rollback.

    A writer is alive while it holds the lock on its journal's `.lock` file: the kernel drops
    the lock when the process dies, however it dies, and a restarted server cannot inherit it
    (a process id can: a container's server is PID 1 after every restart). Playback acts only
    on paths inside the folders the service owns (`owned`): a journal naming any other path is
    refused with a log line, never followed.
    """

    def __init__(self, pending: Path, owned: Sequence[Path] | None = None) -> None:
        self.pending = pending
        self.owned = tuple(owned) if owned is not None else (pending.parent,)
        self._journal = pending / f"{secrets.token_hex(12)}.json"
        self._lock: IO[bytes] | None = None
        self._undo: list[dict[str, Any]] = []  # {path, old: backup file or None, made: [folder]}

    def put(self, path: Path, data: bytes) -> bool:
        """Write `data` to `path`; False (and nothing written) when the file already holds it."""
        old = path.read_bytes() if path.is_file() else None
        if old == data:
            return False
        with writing_to(f"{path.name!r} into the uploads folder", "nothing was stored"):
            made = [p for p in path.parents if not p.exists()]
            self._note(path, old, made)
            for folder in reversed(made):
                folder.mkdir()
            _write_atomically(path, data)
        return True

    def remove(self, path: Path) -> bool:
        """Delete `path`; False when it was not there."""
        if not path.is_file():
            return False
        with writing_to(f"the removal of {path.name!r}", "nothing was removed"):
            self._note(path, path.read_bytes(), [])
        path.unlink()
        return True

    def _note(self, path: Path, old: bytes | None, made: list[Path]) -> None:
        self.pending.mkdir(parents=True, exist_ok=True)
        if self._lock is None:  # held before the journal exists, until it is gone
            self._lock = open(self._journal.with_suffix(".lock"), "wb")  # noqa: SIM115
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        backup = None
        if old is not None:
            backup = str(self._journal.with_suffix(f".{len(self._undo)}.old"))
            _write_atomically(Path(backup), old)
        self._undo.append({"path": str(path), "old": backup, "made": [str(p) for p in made]})
        _write_atomically(self._journal, json.dumps(self._undo).encode())

    def commit(self) -> None:
        """The update is published: the changes stay, their undo goes."""
        self._done()

    def rollback(self) -> None:
        """Put every touched file back as it was, newest change first."""
        _play_back(self._undo, self.pending, self.owned)
        self._done()

    def _done(self) -> None:
        _forget(self._journal)
        self._undo.clear()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @staticmethod
    def stale(pending: Path) -> bool:
        return pending.is_dir() and any(not _alive(j) for j in pending.glob("*.json"))

    @staticmethod
    def recover(pending: Path, owned: Sequence[Path] | None = None) -> int:
        """Undo what writers that died mid-update left (call with the write lock held), and
        sweep the temporary files a kill left behind. A live writer's journal is left alone:
        its writer answers once its update is published."""
        if not pending.is_dir():
            return 0
        owned = tuple(owned) if owned is not None else (pending.parent,)
        journals = [j for j in pending.glob("*.json") if not _alive(j)]
        for journal in journals:
            try:
                _play_back(json.loads(journal.read_text(encoding="utf-8")), pending, owned)
            except (OSError, ValueError, TypeError, KeyError):
                pass  # half-written: the write it describes never started
            _forget(journal)
        if not any(_alive(j) for j in pending.glob("*.json")):
            for folder in (pending, *owned):
                for tmp in folder.rglob(".upload-*.tmp") if folder.is_dir() else ():
                    tmp.unlink(missing_ok=True)
        return len(journals)


def _alive(journal: Path) -> bool:
    """Whether the writer of a journal still holds the lock on its `.lock` file."""
    try:
        with open(journal.with_suffix(".lock"), "rb") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released as the file closes
    except BlockingIOError:
        return True
    except OSError:
        return False  # no lock file: a writer that died before it wrote one, or an old journal
    return False


def _inside(path: Path, folders: Sequence[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(f.resolve()) for f in folders)


def _play_back(undo: list[dict[str, Any]], pending: Path, owned: Sequence[Path]) -> None:
    for entry in reversed(undo):
        path, old = Path(entry["path"]), entry["old"]
        made = [Path(f) for f in entry["made"]]
        if (
            not _inside(path, owned)
            or any(not _inside(f, owned) for f in made)
            or (old is not None and not _inside(Path(old), (pending,)))
        ):
            log.warning(
                "refused to play back a journal entry outside the service's folders: %s", entry
            )
            continue
        if old is None:
            path.unlink(missing_ok=True)
        else:
            _write_atomically(path, Path(old).read_bytes())
        for folder in made:
            try:
                folder.rmdir()
            except OSError:
                pass  # another upload has put a file in it since


def _forget(journal: Path) -> None:
    """The journal first and its lock last: a journal without a held lock is a dead writer's."""
    lock = journal.with_suffix(".lock")
    journal.unlink(missing_ok=True)
    for leftover in journal.parent.glob(journal.stem + ".*"):
        if leftover != lock:
            leftover.unlink(missing_ok=True)
    lock.unlink(missing_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the file from the user's other tools
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


EXCLUSIONS = "excluded.json"


class Exclusions:
    """Corpus files the user removed from the archive: a JSON list kept beside the index.

    Removing a file the user put in the corpus folder must not delete it (it may be the only
    copy), so the index leaves it out instead, until it is restored.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def ids(self) -> frozenset[str]:
        try:
            return frozenset(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return frozenset()
        except (OSError, ValueError, TypeError) as exc:
            raise StorageError(
                f"cannot read the list of removed documents {str(self.path)!r} ({exc}): "
                "fix or delete that file (deleting it brings every removed document back)"
            ) from exc

    def save(self, ids: frozenset[str]) -> None:
        with writing_to("the list of removed documents", "nothing was changed"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.path, json.dumps(sorted(ids), indent=1).encode())
