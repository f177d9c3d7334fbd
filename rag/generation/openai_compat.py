"""Any OpenAI-compatible chat-completions endpoint: hosted APIs, llama.cpp, vLLM, Ollama, LM Studio."""

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from rag.config import Settings
from rag.embedding.embedder import Embedder
from rag.errors import GeneratorError, UnknownComponentError
from rag.generation.base import Draft
from rag.generation.prompt import build_messages
from rag.retrieval.retriever import Passage

RETRYABLE = (httpx.ConnectError, httpx.ReadTimeout, httpx.ConnectTimeout, httpx.RemoteProtocolError)


class OpenAICompatGenerator:
    """POSTs to {base_url}/chat/completions; retries connection errors and 5xx a bounded number of times."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not settings.openai_base_url:
            raise UnknownComponentError(
                "Generator 'openai' is not configured: set RAG_OPENAI_BASE_URL "
                "(e.g. https://api.openai.com/v1 or http://127.0.0.1:8080/v1 for llama.cpp)"
            )
        self.settings = settings
        self.model = f"{settings.openai_model} at {settings.openai_base_url}"
        headers = (
            {"Authorization": f"Bearer {settings.openai_api_key}"}
            if settings.openai_api_key
            else {}
        )
        self._client = httpx.Client(
            base_url=settings.openai_base_url.rstrip("/"),
            headers=headers,
            timeout=settings.openai_timeout_s,
            transport=transport,
        )

    def _payload(self, question: str, passages: Sequence[Passage], stream: bool) -> dict[str, Any]:
        return {
            "model": self.settings.openai_model,
            "messages": build_messages(question, passages),
            "temperature": 0,
            "max_tokens": self.settings.max_answer_tokens,
            "stream": stream,
        }

    def generate(self, question: str, passages: Sequence[Passage]) -> Draft:
        return Draft(self._complete(self._payload(question, passages, False)))

    def chat(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        """One short reply to any messages (the llm judge's question), under the same retries."""
        return self._complete(
            {
                "model": self.settings.openai_model,
                "messages": messages,
                "temperature": 0,
                "max_tokens": max_tokens,
                "stream": False,
            }
        )

    def _complete(self, payload: dict[str, Any]) -> str:
        response = self._send(lambda: self._client.post("/chat/completions", json=payload))
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GeneratorError(
                f"{self._where()} returned an unexpected body: {response.text[:200]!r}"
            ) from exc
        if not isinstance(content, str):
            raise GeneratorError(f"{self._where()} returned no text content")
        return content.strip()

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        payload = self._payload(question, passages, True)
        request = self._client.build_request("POST", "/chat/completions", json=payload)
        response = self._send(lambda: self._client.send(request, stream=True))
        try:
            for line in response.iter_lines():
                if piece := self._delta(line):
                    yield piece
        except httpx.HTTPError as exc:
            raise GeneratorError(f"{self._where()} broke off the stream: {exc}") from exc
        finally:
            response.close()

    def _delta(self, line: str) -> str | None:
        if not line.startswith("data:"):
            return None
        data = line[5:].strip()
        if data == "[DONE]":
            return None
        try:
            delta = json.loads(data)["choices"][0].get("delta", {})
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise GeneratorError(
                f"{self._where()} sent a malformed stream event: {data[:200]!r}"
            ) from exc
        content = delta.get("content") if isinstance(delta, dict) else None
        return content if isinstance(content, str) and content else None

    def _send(self, call: Any) -> httpx.Response:
        """Run `call` with bounded retries on transient failures; map the rest to GeneratorError."""
        attempts = self.settings.openai_retries + 1
        for attempt in range(attempts):
            try:
                response: httpx.Response = call()
            except httpx.TimeoutException as exc:
                failure = f"timed out after {self.settings.openai_timeout_s:g} s"
                error: Exception | None = exc
            except RETRYABLE as exc:
                failure, error = f"could not be reached ({exc})", exc
            except httpx.HTTPError as exc:
                raise GeneratorError(f"{self._where()} failed: {exc}") from exc
            else:
                if response.status_code < 400:
                    return response
                response.read()
                failure, error = (
                    f"answered HTTP {response.status_code}: {response.text[:200]}",
                    None,
                )  # type: ignore[assignment]
                if response.status_code < 500 and response.status_code != 429:
                    break
            if attempt + 1 < attempts:
                time.sleep(min(0.25 * 2**attempt, 4.0))
        raise GeneratorError(f"{self._where()} {failure}") from error

    def _where(self) -> str:
        return f"OpenAI-compatible endpoint {self.settings.openai_base_url}"
