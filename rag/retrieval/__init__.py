"""Question -> ranked passages: dense and BM25 rankings fused, filters, merged overlaps,
highlights, syndicated copies folded, optional re-ranking, and the abstention model's
confidence that the passages answer the question.

May import: the base modules, rag.corpus, rag.embedding, rag.stores, rag.index. Nothing above.
"""
