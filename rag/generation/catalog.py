"""The deployment's generators by name, each built once, and why an unconfigured one is not."""

from collections.abc import Callable
from typing import Any

from rag import registry
from rag.config import Settings
from rag.embedding.embedder import Embedder
from rag.errors import UnknownComponentError
from rag.generation.base import ChatModel, Generator


class Generators:
    """Builds a generator the first time it is asked for (a local model loads only then)."""

    def __init__(self, settings: Settings, embedder_of: Callable[[], Embedder | None]) -> None:
        self.settings, self._embedder_of = settings, embedder_of
        self._built: dict[str, Generator] = {}

    def get(self, name: str | None = None) -> Generator:
        """The named (or default) generator; an unknown or unconfigured one says why."""
        name = name or self.settings.generator
        if name not in self._built:
            if name not in registry.names("generator"):
                available = ", ".join(g["name"] for g in self.listing() if g["available"])
                raise UnknownComponentError(
                    f"Unknown generator {name!r}: available are {available}"
                )
            self._built[name] = registry.resolve("generator", name)(
                self.settings, self._embedder_of()
            )
        return self._built[name]

    def listing(self) -> list[dict[str, Any]]:
        """Every registered generator, whether it is configured here, and if not, why."""
        listed = []
        for name in registry.names("generator"):
            try:
                model = self.get(name).model
                listed.append(
                    {
                        "name": name,
                        "available": True,
                        "default": name == self.settings.generator,
                        "model": model,
                    }
                )
            except UnknownComponentError as exc:
                listed.append(
                    {"name": name, "available": False, "reason": str(exc), "default": False}
                )
        return listed

    def chat_model(self) -> ChatModel | None:
        """The default generator when it is a language model that can be asked other things
        (judging, rewriting follow-ups); None for extractive or unconfigured ones."""
        try:
            model = self.get()
        except UnknownComponentError:
            return None
        return model if isinstance(model, ChatModel) else None
