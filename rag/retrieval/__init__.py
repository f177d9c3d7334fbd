"""Question -> ranked passages: dense and BM25 rankings fused, filters, merged overlaps,
highlights, syndicated copies folded, optional re-ranking, and the abstention model's
confidence that the passages answer the question.

May import: the base modules, rag.corpus, rag.embedding, rag.stores, rag.index. Nothing above.
"""

# Passages whose split sentences or word sets are kept between questions: a passage costs 15-40
# KiB there (measured), so 1,024 bound it near 40 MiB; at 8,192 a soak of uploads grew RSS 18%.
PASSAGE_CACHE = 1024
