"""Every embedding backend on the real bundled model: torch, ONNX Runtime fp32 and int8."""

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from rag import registry
from rag.config import Settings
from rag.embedding.embedder import BUNDLED_MODEL, Embedder, resolve_model_path
from tests.formats import ARTICLES, write_corpus
from tests.processes import python_child

TEXTS = [ARTICLES["harbour.txt"], ARTICLES["council.txt"], "Who approved the library?"]
RUN = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def embedders(cache: Path) -> dict[str, Embedder]:
    return {
        name: registry.resolve("embedder", "sentence-transformers")(
            Settings(embed_backend=name, model_cache_dir=cache)
        )
        for name in ("torch", "onnx", "onnx-int8")
    }


@pytest.mark.parametrize("name", ["torch", "onnx", "onnx-int8"])
def test_each_backend_embeds_unit_vectors_of_the_model_size(embedders, name: str) -> None:  # type: ignore[no-untyped-def]
    embedder = embedders[name]
    docs, queries = embedder.embed_documents(TEXTS), embedder.embed_queries(TEXTS[2:])
    assert docs.shape == (3, 384) and queries.shape == (1, 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert embedder.max_tokens == 256 and embedder.token_counts(["hello world", "hello"]) == [4, 3]
    ranked = np.argsort(-(docs[:2] @ queries[0]))
    assert ranked[0] == 1  # the library question is about the council article


@pytest.mark.parametrize("name", ["torch", "onnx", "onnx-int8"])
def test_side_by_side_question_passes_give_the_same_vectors(embedders, name: str) -> None:  # type: ignore[no-untyped-def]
    embedder = embedders[name]
    questions = [TEXTS[2], "Who runs the harbour?", "When did the council vote?"]
    # one question per pass on both sides: int8 quantises activations per batch, so a question
    # batched with others gets a slightly different vector (cosine ~0.99) on any session
    alone = np.vstack([embedder.embed_queries([q]) for q in questions])
    with ThreadPoolExecutor(4) as pool:
        beside = list(
            pool.map(lambda q: embedder.embed_queries([q], side_by_side=True), questions * 4)
        )
    assert np.allclose(np.vstack(beside), np.vstack([alone] * 4), atol=1e-5)
    cores = len(os.sched_getaffinity(0))
    assert embedder.query_runners == (1 if name == "torch" else cores)


def test_onnx_gives_torchs_vectors_and_int8_close_ones(embedders) -> None:  # type: ignore[no-untyped-def]
    torch = embedders["torch"].embed_documents(TEXTS)
    onnx = (embedders["onnx"].embed_documents(TEXTS) * torch).sum(axis=1)
    int8 = (embedders["onnx-int8"].embed_documents(TEXTS) * torch).sum(axis=1)
    assert onnx.min() > 0.9999
    assert 0.98 < int8.min() < 0.9999  # close, but not the same vectors


def test_the_export_is_cached_and_announced_once(run_cli: RUN, tmp_path: Path) -> None:
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    write_corpus(corpus)
    env = {
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_INDEX_DIR": str(tmp_path / "index"),
        "RAG_MODEL_CACHE_DIR": str(cache),
        "RAG_EMBED_BACKEND": "onnx-int8",
    }
    first = run_cli("index", env=env)
    assert first.returncode == 0, first.stderr
    assert "Exporting" in first.stderr and "Quantising model.onnx to int8" in first.stderr
    assert sorted(p.name for p in cache.rglob("*.onnx")) == [
        "model-int8-per-channel.onnx",
        "model.onnx",
    ]
    again = run_cli("query", "library vote", env=env)
    assert again.returncode == 0 and "Exporting" not in again.stderr

    refused = run_cli("query", "library vote", env={**env, "RAG_EMBED_BACKEND": "torch"})
    assert refused.returncode == 2
    assert (
        "holds int8-per-channel vectors" in refused.stderr
        and "RAG_EMBED_BACKEND=onnx-int8" in refused.stderr
    )
    rebuilt = run_cli("index", env={**env, "RAG_EMBED_BACKEND": "onnx"})
    assert "Full rebuild: vectors changed ('int8-per-channel' -> None)" in rebuilt.stderr, (
        rebuilt.stderr
    )
    same = run_cli("index", env={**env, "RAG_EMBED_BACKEND": "torch"})
    assert "+0 added, ~0 changed, -0 removed, 3 unchanged; embedded 0 chunks" in same.stdout


def test_an_exported_model_runs_without_torch_or_transformers(embedders, cache: Path) -> None:  # type: ignore[no-untyped-def]
    embedders["onnx"].embed_queries(["export it first"])
    code = (
        "import sys; from rag import registry; from rag.config import Settings; "
        "e = registry.resolve('embedder', 'sentence-transformers')(Settings()); "
        "v = e.embed_queries(['Who approved the library?']); "
        "print(v.shape, e.token_counts(['hello world']), "
        "[m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules])"
    )
    env = {**os.environ, "RAG_EMBED_BACKEND": "onnx", "RAG_MODEL_CACHE_DIR": str(cache)}
    done = python_child(code, env)
    assert done.stdout.strip() == "(1, 384) [4] []", done.stderr
    assert "Exporting" not in done.stderr


def test_models_the_onnx_path_cannot_run_exactly_are_refused(run_cli: RUN, tmp_path: Path) -> None:
    bundled = Path(resolve_model_path(BUNDLED_MODEL))
    model = tmp_path / "model-with-dense"
    model.mkdir()
    for item in bundled.iterdir():
        (model / item.name).symlink_to(item)
    (model / "modules.json").unlink()
    modules = json.loads((bundled / "modules.json").read_text())
    modules.insert(
        2, {"idx": 9, "name": "9", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}
    )
    (model / "modules.json").write_text(json.dumps(modules))
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    env = {
        "RAG_MODEL": str(model),
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_INDEX_DIR": str(tmp_path / "index"),
        "RAG_MODEL_CACHE_DIR": str(tmp_path / "cache"),
        "RAG_EMBED_BACKEND": "onnx",
    }
    refused = run_cli("index", env=env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "has a Dense module: set RAG_EMBED_BACKEND=torch" in refused.stderr, refused.stderr
    assert not (tmp_path / "cache").exists()  # refused before any export
    assert not list((tmp_path / "index").rglob("manifest.json"))


def test_a_gpu_device_asks_for_the_torch_backend() -> None:
    with pytest.raises(ValidationError, match="RAG_EMBED_BACKEND=torch"):
        Settings(device="cuda", embed_backend="onnx")
    assert Settings(device="cuda", embed_backend="torch").device == "cuda"


@pytest.mark.parametrize(
    "pooling",
    [{"pooling_mode_max_tokens": True}, {"pooling_mode": "lasttoken"}, {"include_prompt": False}],
)
def test_pooling_the_onnx_path_does_not_apply_is_refused(tmp_path: Path, pooling: dict) -> None:
    from rag.embedding.onnx_model import read_layout
    from rag.errors import MissingDependencyError

    bundled = Path(resolve_model_path(BUNDLED_MODEL))
    model = tmp_path / "model"
    shutil.copytree(bundled, model, ignore=shutil.ignore_patterns("*.safetensors"))
    config = json.loads((model / "1_Pooling" / "config.json").read_text())
    config.update({"pooling_mode_mean_tokens": False, **pooling})
    (model / "1_Pooling" / "config.json").write_text(json.dumps(config))
    with pytest.raises(MissingDependencyError, match="RAG_EMBED_BACKEND=torch"):
        read_layout(model)
    assert read_layout(bundled).mean and read_layout(bundled).normalise


def test_onnx_word_piece_counts_are_exact_for_any_text(embedders, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The ONNX counter sums remembered per-word counts for BERT's tokenizer; never off by one."""
    from tokenizers import Tokenizer

    from rag.embedding.onnx_model import _bert_like

    texts = [
        *TEXTS,
        "  leading and trailing  \n",
        "",
        "tab\tseparated\x1ccontrol\u3000ideographic 中文字符 mixed",
        "e\u0301cole \u0301accent, naïve café — “quoted” 407-1 U.S.-led",
        "a\r\nb\n\nc",
        "supercalifragilisticexpialidocious " * 30,
    ]
    model = embedders["onnx"].model
    whole = [len(e.ids) for e in model._counter.encode_batch(texts, add_special_tokens=True)]
    assert embedders["onnx"].token_counts(texts) == whole
    assert embedders["torch"].token_counts(texts) == whole
    bundled = Path(resolve_model_path(BUNDLED_MODEL)) / "tokenizer.json"
    assert _bert_like(Tokenizer.from_file(str(bundled)))
    other = json.loads(bundled.read_text())
    other["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}
    (tmp_path / "tokenizer.json").write_text(json.dumps(other))
    assert not _bert_like(
        Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    )  # counts whole texts
