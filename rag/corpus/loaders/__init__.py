"""Loaders: one module per file format behind the Loader protocol, registered by extension."""

from rag.corpus.loaders.base import Document, Loader, Metadata, SkippedFile, Unreadable

__all__ = ["Document", "Loader", "Metadata", "SkippedFile", "Unreadable"]
