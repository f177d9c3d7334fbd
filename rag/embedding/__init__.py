"""Text -> vectors: the Embedder protocol and its backends (torch, ONNX, int8 ONNX) running the
bundled all-MiniLM-L6-v2 by default, and the question-language check the model implies.

May import: the base modules and rag.corpus. Nothing above.
"""
