"""The watch store that goes with an index home: files beside a folder index, blobs in Milvus."""

from rag.config import Settings
from rag.index.home import IndexHome
from rag.workbench.watches.base import WatchStore
from rag.workbench.watches.folder import FolderWatches


def store_for(settings: Settings, home: IndexHome) -> WatchStore:
    if settings.store == "milvus":
        from rag.index.milvus_home import MilvusHome
        from rag.workbench.watches.milvus import MilvusWatches

        assert isinstance(home, MilvusHome)
        return MilvusWatches(home.collections)
    return FolderWatches(settings.index_dir)
