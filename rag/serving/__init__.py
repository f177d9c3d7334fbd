"""How a long-running server runs questions: side-by-side model passes, the live index swap
(reload, watch) and giving freed memory back.

May import: everything below it (up to rag.generation). Not rag.service, rag.cli, api or eval.
"""
