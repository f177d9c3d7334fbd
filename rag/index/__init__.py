"""Chunks + vectors -> an index: generations on disk (folder) or in Milvus (milvus_home), their
records, the update plan both homes share, loading, checking and updating.

May import: the base modules, rag.corpus, rag.embedding, rag.stores. Nothing above.
"""

from rag.index.folder import check_writable, index_exists
from rag.index.integrity import MANIFEST
from rag.index.load import LoadedIndex, check_index, load_index
from rag.index.plan import UpdateReport, indexed_text
from rag.index.records import CHUNKS, DOCUMENTS, FORMAT_VERSION, ArticleInfo, DocumentInfo
from rag.index.update import update_index

__all__ = [
    "CHUNKS",
    "DOCUMENTS",
    "FORMAT_VERSION",
    "MANIFEST",
    "ArticleInfo",
    "DocumentInfo",
    "LoadedIndex",
    "UpdateReport",
    "check_index",
    "check_writable",
    "index_exists",
    "indexed_text",
    "load_index",
    "update_index",
]
