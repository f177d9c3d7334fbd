"""Settings come from RAG_* variables; list settings take comma-separated values."""

import pytest

from rag.config import Settings


def test_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_API_KEYS", "alpha, beta,,")
    monkeypatch.setenv("RAG_CORS_ORIGINS", "https://a.example")
    settings = Settings()
    assert settings.api_keys == ["alpha", "beta"]
    assert settings.cors_origins == ["https://a.example"]


def test_defaults_are_offline_and_bundled() -> None:
    settings = Settings()
    assert settings.model == "all-MiniLM-L6-v2" and settings.generator == "extractive"
    assert settings.openai_base_url is None and settings.reranker is None


def test_import_rag_is_light_and_its_surface_is_pinned() -> None:
    from tests.processes import python_child

    code = "import rag, sys; print(sorted(rag.__all__)); print('torch' in sys.modules, 'faiss' in sys.modules)"
    out = python_child(code, check=True).stdout
    assert out.split("\n")[:2] == ["['RagError', 'RagService', 'Settings']", "False False"]
