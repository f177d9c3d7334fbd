"""Where an index lives: generations in a local folder (FAISS), or collections in Milvus.

The service asks its home for the current generation, to update, to load and to check; it
never needs to know which one it has.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from rag.config import Settings
from rag.corpus.documents import Corpus
from rag.embedding.embedder import Embedder
from rag.index.folder import current_generation, index_exists
from rag.index.load import LoadedIndex, check_index, load_index
from rag.index.plan import UpdateReport
from rag.index.update import update_index


class IndexHome(Protocol):
    """Where an index lives. Every home syncs to a corpus; a `delta` home (Milvus, where the
    index is the archive) also applies uploads and removals by name (see DeltaHome)."""

    label: str
    delta: bool

    def exists(self) -> bool: ...

    def current(self) -> str | None:
        """The name of the generation published now, if any."""
        ...

    def sync(
        self, read_corpus: Callable[[], Corpus], full: bool = False, progress: bool = True
    ) -> UpdateReport:
        """Bring the index up to date with the corpus `read_corpus()` returns (under the lock)."""
        ...

    def load(self) -> LoadedIndex: ...

    def check(self) -> dict[str, Any]: ...


class DeltaHome(IndexHome, Protocol):
    def apply(self, corpus: Corpus, drop: Sequence[str]) -> UpdateReport:
        """Add or replace `corpus`'s documents and remove those in `drop`; keep the rest."""
        ...


class FolderHome:
    """An index folder of generations (see rag.index.folder), searched with FAISS and bm25s."""

    delta = False

    def __init__(self, settings: Settings, embedder_of: Callable[[], Embedder]) -> None:
        self.settings, self._embedder_of = settings, embedder_of
        self.label = str(settings.index_dir)

    @property
    def embedder(self) -> Embedder:
        return self._embedder_of()

    def exists(self) -> bool:
        return index_exists(self.settings.index_dir)

    def current(self) -> str | None:
        generation = current_generation(self.settings.index_dir)
        return generation.name if generation else None

    def sync(
        self, read_corpus: Callable[[], Corpus], full: bool = False, progress: bool = True
    ) -> UpdateReport:
        return update_index(
            self.settings.index_dir,
            read_corpus,
            self.settings,
            self.embedder,
            full,
            progress=progress,
        )

    def load(self) -> LoadedIndex:
        return load_index(self.settings.index_dir, self.settings, self.embedder)

    def check(self) -> dict[str, Any]:
        return check_index(self.settings.index_dir, self.settings, self.embedder)


def home_for(settings: Settings, embedder_of: Callable[[], Embedder]) -> IndexHome:
    """The home RAG_STORE names (the model is loaded only when the home needs it)."""
    if settings.store == "milvus":
        from rag.index.milvus_home import MilvusHome

        return MilvusHome(settings, embedder_of)
    return FolderHome(settings, embedder_of)
