"""The service's own writes for one update (uploaded files, the list of removed corpus files),
each undone when the update fails. Files the user put in the corpus folder are never written."""

import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from rag.errors import StorageError
from rag.storage import writing_to


class CorpusWrites:
    """Files put into or removed from the uploads folder, each undoable, even after a crash.

    Every write goes to a temporary file that is fsynced and renamed into place, so a file is
    either wholly the old one or wholly the new one, and an acknowledged upload is on disk.
    Before each change, how to undo it is written to a journal in `pending/` (old contents kept
    beside it); a successful update clears the journal (`commit`), a failed one plays it back
    (`rollback`), and a journal a killed writer left behind is played back by the next writer
    (`recover`), so an upload that was never acknowledged never becomes an indexed ghost.
    Folders a write had to create are removed again by the rollback.
    """

    def __init__(self, pending: Path) -> None:
        self.pending = pending
        self._journal = pending / f"{os.getpid()}-{secrets.token_hex(8)}.json"
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
        backup = None
        if old is not None:
            backup = str(self._journal.with_suffix(f".{len(self._undo)}.old"))
            _write_atomically(Path(backup), old)
        self._undo.append({"path": str(path), "old": backup, "made": [str(p) for p in made]})
        _write_atomically(self._journal, json.dumps(self._undo).encode())

    def commit(self) -> None:
        """The update is published: the changes stay, their undo goes."""
        _forget(self._journal)
        self._undo.clear()

    def rollback(self) -> None:
        """Put every touched file back as it was, newest change first."""
        _play_back(self._undo)
        _forget(self._journal)
        self._undo.clear()

    @staticmethod
    def stale(pending: Path) -> bool:
        return pending.is_dir() and any(not _alive(j) for j in pending.glob("*.json"))

    @staticmethod
    def recover(pending: Path) -> int:
        """Undo what writers that died mid-update left (call with the write lock held). A live
        process's journal is left alone: its writer answers once its update is published."""
        journals = [j for j in pending.glob("*.json") if not _alive(j)] if pending.is_dir() else []
        for journal in journals:
            try:
                _play_back(json.loads(journal.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                pass  # half-written: the write it describes never started
            _forget(journal)
        return len(journals)


def _alive(journal: Path) -> bool:
    """Whether the process that wrote a journal (its name starts with its pid) still runs."""
    try:
        os.kill(int(journal.name.split("-", 1)[0]), 0)
    except ValueError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _play_back(undo: list[dict[str, Any]]) -> None:
    for entry in reversed(undo):
        path, old = Path(entry["path"]), entry["old"]
        if old is None:
            path.unlink(missing_ok=True)
        else:
            _write_atomically(path, Path(old).read_bytes())
        for folder in map(Path, entry["made"]):
            try:
                folder.rmdir()
            except OSError:
                pass  # another upload has put a file in it since


def _forget(journal: Path) -> None:
    for leftover in journal.parent.glob(journal.stem + ".*"):
        leftover.unlink(missing_ok=True)


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
