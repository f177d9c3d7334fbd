"""An in-process Hugging Face causal language model, loaded from a local folder only."""

import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from rag.config import Settings
from rag.embedding.embedder import Embedder
from rag.errors import GeneratorError, MissingDependencyError, UnknownComponentError
from rag.generation.base import Draft
from rag.generation.prompt import build_messages
from rag.retrieval.retriever import Passage


class TransformersGenerator:
    """Greedy decoding with the model's chat template when it has one; loaded on first use."""

    name = "transformers"

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        if settings.transformers_model_path is None:
            raise UnknownComponentError(
                "Generator 'transformers' is not configured: set RAG_TRANSFORMERS_MODEL_PATH "
                "to a local Hugging Face causal-LM folder"
            )
        self.settings = settings
        self.model = str(settings.transformers_model_path)
        self._loaded: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._loaded is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                from transformers import AutoModelForCausalLM, AutoTokenizer

                path = str(self.settings.transformers_model_path)
                try:
                    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
                    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
                except (OSError, ValueError) as exc:
                    raise MissingDependencyError(
                        f"Cannot load a causal LM from {path!r}: {exc}"
                    ) from exc
                model.eval()
                self._loaded = (tokenizer, model)
            return self._loaded

    def _inputs(self, question: str, passages: Sequence[Passage]) -> tuple[Any, Any, Any]:
        """Tokenised prompt; the lowest-ranked passages go first when it overflows the context."""
        tokenizer, model = self._load()
        context = (
            getattr(model.config, "max_position_embeddings", None) or tokenizer.model_max_length
        )
        budget = context - self.settings.max_answer_tokens
        for keep in range(len(passages), 0, -1):
            inputs = tokenizer(
                self._prompt(tokenizer, question, passages[:keep]), return_tensors="pt"
            )
            if inputs["input_ids"].shape[1] <= budget:
                return tokenizer, model, inputs
        raise GeneratorError(
            f"Even one passage does not fit the local model's {context}-token context with "
            f"{self.settings.max_answer_tokens} answer tokens: lower RAG_MAX_ANSWER_TOKENS or RAG_CHUNK_TOKENS"
        )

    @staticmethod
    def _prompt(tokenizer: Any, question: str, passages: Sequence[Passage]) -> str:
        special = [*tokenizer.all_special_tokens, *tokenizer.get_added_vocab()]
        return TransformersGenerator._templated(
            tokenizer, build_messages(question, passages, special)
        )

    @staticmethod
    def _templated(tokenizer: Any, messages: list[dict[str, str]]) -> str:
        if getattr(tokenizer, "chat_template", None):
            return str(
                tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            )
        return "\n\n".join(m["content"] for m in messages)

    def _kwargs(self, tokenizer: Any, inputs: Any) -> dict[str, Any]:
        pad = (
            tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        )
        return {
            **inputs,
            "max_new_tokens": self.settings.max_answer_tokens,
            "do_sample": False,
            "pad_token_id": pad,
        }

    def generate(self, question: str, passages: Sequence[Passage]) -> Draft:
        tokenizer, model, inputs = self._inputs(question, passages)
        try:
            output = model.generate(**self._kwargs(tokenizer, inputs))
        except (RuntimeError, IndexError, ValueError) as exc:
            raise GeneratorError(f"Local model failed: {exc}") from exc
        new = output[0][inputs["input_ids"].shape[1] :]
        return Draft(tokenizer.decode(new, skip_special_tokens=True).strip())

    def chat(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        """One short greedy reply to any messages (the llm judge's question)."""
        tokenizer, model = self._load()
        inputs = tokenizer(self._templated(tokenizer, messages), return_tensors="pt")
        kwargs = {**self._kwargs(tokenizer, inputs), "max_new_tokens": max_tokens}
        try:
            output = model.generate(**kwargs)
        except (RuntimeError, IndexError, ValueError) as exc:
            raise GeneratorError(f"Local model failed: {exc}") from exc
        new = output[0][inputs["input_ids"].shape[1] :]
        return str(tokenizer.decode(new, skip_special_tokens=True)).strip()

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        tokenizer, model, inputs = self._inputs(question, passages)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                model.generate(**self._kwargs(tokenizer, inputs), streamer=streamer)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                failure.append(exc)
                streamer.end()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        yield from (piece for piece in streamer if piece)
        worker.join()
        if failure:
            raise GeneratorError(f"Local model failed: {failure[0]}") from failure[0]
