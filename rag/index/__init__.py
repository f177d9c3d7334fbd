"""The index: generations on disk (folder), their records (records), loading and updating."""

from rag.index.folder import check_writable, index_exists
from rag.index.load import LoadedIndex, check_index, load_index
from rag.index.records import CHUNKS, DOCUMENTS, FORMAT_VERSION, MANIFEST, ArticleInfo, DocumentInfo
from rag.index.update import UpdateReport, indexed_text, update_index

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
