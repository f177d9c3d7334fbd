"""Where vectors and words are searched: the VectorStore protocol and its backends (FAISS,
Milvus), and the BM25 lexical index.

May import: the base modules and rag.corpus. Nothing above.
"""

from rag.stores.base import VectorStore

__all__ = ["VectorStore"]
