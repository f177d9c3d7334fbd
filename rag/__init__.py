"""Question answering over news articles with exact, verifiable source spans.

The public surface is small: `Settings` to configure, `RagService` to index, query and answer.
Heavy libraries (torch, faiss) load only when a service is built, never on `import rag`.
"""

from rag.config import Settings
from rag.errors import RagError
from rag.service import RagService

__all__ = ["RagError", "RagService", "Settings"]
