"""Watches beside a folder index: one JSON file each under `index_dir/watches/`, written whole
(temp file, then rename) and changed under a file lock shared by every process."""

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from rag.errors import StorageError
from rag.workbench.watches.base import Watch

FOLDER = "watches"
_ID = re.compile(r"w-[0-9a-f]{12}")


class FolderWatches:
    def __init__(self, index_dir: Path) -> None:
        self.folder = Path(index_dir) / FOLDER

    def all(self) -> list[Watch]:
        if not self.folder.is_dir():
            return []
        found = (self._read(p) for p in sorted(self.folder.glob("w-*.json")))
        return [w for w in found if w is not None]

    def get(self, watch_id: str) -> Watch | None:
        if not _ID.fullmatch(watch_id):
            return None
        return self._read(self.folder / f"{watch_id}.json")

    def put(self, watch: Watch) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".w-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(watch.model_dump_json())
            os.replace(temp, self.folder / f"{watch.id}.json")
        except OSError as exc:
            Path(temp).unlink(missing_ok=True)
            raise StorageError(f"Cannot save the watched question ({exc.strerror})") from exc

    def delete(self, watch_id: str) -> bool:
        if not _ID.fullmatch(watch_id):
            return False
        path = self.folder / f"{watch_id}.json"
        existed = path.is_file()
        path.unlink(missing_ok=True)
        return existed

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(self.folder / ".lock", timeout=60):
            yield

    @staticmethod
    def _read(path: Path) -> Watch | None:
        try:
            return Watch.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):  # a file half-copied in by hand is skipped, not fatal
            return None
