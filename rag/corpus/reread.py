"""Files read by the last walk of the corpus, reused while they are unchanged on disk.

Every update walks the whole corpus, and extracting one saved HTML page costs about 40 ms: an
archive of a thousand pages made each upload wait 40 s to re-read what had not changed. A
loader's output depends only on the file's name and bytes, so a file whose size, times and
inode are those it had when it was read gives the same documents, and they are reused. Only
the last walk's are kept (so a deleted file is forgotten), and none past LIMIT_CHARS of text.
A file modified in the RACY_NS before it was read is read again next time, as git does: file
times are coarse, and a same-size rewrite in the same clock tick would keep its stamp.
"""

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rag.corpus.loaders.base import Document, SkippedFile

Found = Sequence[Document | SkippedFile]
Read = Callable[[str, Path, Callable[[], Found]], Found]
LIMIT_CHARS = 50_000_000  # text kept between walks; a larger corpus is read afresh each time
RACY_NS = 2_000_000_000


def _stamp(path: Path) -> tuple[int, ...] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class LastWalk:
    """What each file gave the last time the corpus was walked."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], tuple[tuple[int, ...], Found]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def walk(self) -> Iterator[Read]:
        """A reader for one walk: `read(doc_id, path, load)` reuses or calls `load`; the walk's
        results replace the last one's when it ends."""
        with self._lock:
            last = self._found
        found: dict[tuple[str, str], tuple[tuple[int, ...], Found]] = {}

        def read(doc_id: str, path: Path, load: Callable[[], Found]) -> Found:
            key, stamp = (doc_id, str(path)), _stamp(path)  # stamped before reading
            seen = last.get(key)
            result = seen[1] if seen is not None and stamp == seen[0] else load()
            if stamp is not None and time.time_ns() - stamp[1] > RACY_NS:
                found[key] = (stamp, result)
            return result

        yield read
        chars = sum(
            len(d.text) for _, docs in found.values() for d in docs if isinstance(d, Document)
        )
        with self._lock:
            self._found = found if chars <= LIMIT_CHARS else {}
