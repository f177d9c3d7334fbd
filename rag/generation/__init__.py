"""Answer generators: a Protocol, a prompt that fences evidence, and citation checking."""

from rag.generation.base import Draft, Generator, Quote

__all__ = ["Draft", "Generator", "Quote"]
