"""Passages -> answer: the Generator protocol and its backends, a prompt that fences evidence,
citation checking, and answering (abstain, write, check every marker).

May import: everything below it (up to rag.retrieval). Not rag.serving, rag.service or rag.cli.
"""

from rag.generation.base import Draft, Generator, Quote

__all__ = ["Draft", "Generator", "Quote"]
