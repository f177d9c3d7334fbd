"""Vector stores: the VectorStore protocol and its backends."""

from rag.stores.base import VectorStore

__all__ = ["VectorStore"]
