"""Files -> documents -> articles -> chunks: loaders (one per format) give each file's text view
and metadata, articles are found in it, chunks are token-aware spans of it; syndicated copies
are recognised; the service's own writes (uploads, removals) live here too.

May import: rag.config, rag.errors, rag.registry, rag.storage, rag.query. Nothing above.
"""
