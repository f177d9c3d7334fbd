"""Optional second-stage re-ranking with a sentence-transformers CrossEncoder (name or local path)."""

import os
from collections.abc import Sequence
from typing import Any

from rag.errors import MissingDependencyError


class CrossEncoderReranker:
    """Scores (question, passage) pairs jointly; slower than the first stage, so it sees only the top few."""

    def __init__(self, name_or_path: str) -> None:
        self.name = name_or_path
        self._model: Any = None

    def scores(self, question: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            from sentence_transformers import CrossEncoder

            try:
                self._model = CrossEncoder(self.name, device="cpu")
            except (OSError, ValueError) as exc:
                raise MissingDependencyError(
                    f"Cannot load cross-encoder {self.name!r}: set RAG_RERANKER to a local folder, "
                    "or unset it to turn re-ranking off"
                ) from exc
        return [float(s) for s in self._model.predict([(question, t) for t in texts])]
