"""Disk errors while writing (a full disk above all) become one clear message, not a traceback."""

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from rag.errors import StorageError, StorageFullError

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@contextmanager
def writing_to(what: str, consequence: str) -> Iterator[None]:
    """Turn an OSError raised while writing `what` into StorageFullError or StorageError."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _FULL:
            raise StorageFullError(
                f"No space left on the disk while writing {what}: free some space and try again; "
                f"{consequence}"
            ) from exc
        raise StorageError(f"Cannot write {what} ({exc.strerror or exc}); {consequence}") from exc
