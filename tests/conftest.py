"""Shared fixtures: one real index over seeds/ (bundled model, real FAISS) per test session."""

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.service import RagService

pytest_plugins = ("tests.processes",)
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="save the page tests' screenshots under eval/results/screenshots",
    )


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest) -> Path | None:
    """Where the browser tests save screenshots, or None (the default: none are saved)."""
    return ROOT / "eval/results/screenshots" if request.config.getoption("--screenshots") else None


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its content hash (to prove nothing was touched)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def read_exact(path: str | Path) -> str:
    """Read a file the way the HTTP contract's invariant does."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("seed-index") / "index"


@pytest.fixture(scope="session")
def seed_settings(seed_index_dir: Path) -> Settings:
    return Settings(corpus_dir=SEEDS, index_dir=seed_index_dir)


def indexed(seed_service: RagService, root: Path, **updates: Any) -> RagService:
    """A service over `root/corpus` with its index in `root/index`, built and loaded, sharing
    the session's loaded model."""
    service = seed_service.derive(corpus_dir=root / "corpus", index_dir=root / "index", **updates)
    service.update(progress=False)
    service.open()
    return service


@pytest.fixture(scope="session")
def seed_service(seed_settings: Settings) -> RagService:
    service = RagService(seed_settings)
    service.update(progress=False)
    service.open()
    return service


@pytest.fixture(scope="session")
def run_cli(seed_service: RagService) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed `rag` console script the way a user does, against the seed index."""
    rag = shutil.which("rag", path=str(Path(sys.executable).parent)) or "rag"

    def run(
        *args: str, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {
            **os.environ,
            "RAG_CORPUS_DIR": str(SEEDS),
            "RAG_INDEX_DIR": str(seed_service.settings.index_dir),
            **(env or {}),
        }
        return subprocess.run(
            [rag, *args],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=300,
            cwd=ROOT,
            input=stdin,
            start_new_session=True,  # its own process group, ended with the run (tests/processes.py)
        )

    return run


@pytest.fixture(scope="session")
def api_url(seed_service: RagService):  # type: ignore[no-untyped-def]
    """A real uvicorn server on loopback serving the seed index, shared by the HTTP tests."""
    from api.app import create_app
    from tests.server import serve

    with serve(create_app(seed_service.settings, seed_service)) as url:
        yield url


@pytest.fixture
def live(seed_service: RagService, tmp_path: Path) -> RagService:
    """A service over a small corpus of its own, sharing the session's loaded model."""
    from tests.formats import write_corpus

    write_corpus(tmp_path / "corpus")
    return indexed(seed_service, tmp_path)


@pytest.fixture
def live_url(live: RagService) -> Iterator[str]:
    """A real server over the `live` service."""
    from api.app import create_app
    from tests.server import serve

    with serve(create_app(live.settings, live)) as url:
        yield url


READ, WRITE = "reader-key", "editor-key"  # the page tests' keys


@pytest.fixture(scope="module")
def site(seed_service: RagService, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over every format, with read and write keys, as a newsroom would run it."""
    from api.app import create_app
    from tests.formats import mixed_folder, write_corpus
    from tests.server import serve

    root = tmp_path_factory.mktemp("page")
    mixed_folder(root / "corpus")
    write_corpus(root / "corpus")
    service = indexed(seed_service, root, api_keys=[READ], admin_keys=[WRITE])
    with serve(create_app(service.settings, service)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """A real Chromium (Debian's) for the page tests of one module."""
    from tests.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def tab(browser, site: str):  # type: ignore[no-untyped-def]
    """A fresh tab holding the read key; it must end with no console error it did not expect."""
    from tests.browser import open_tab

    t = open_tab(browser, site, READ)
    yield t
    assert t.unexpected() == []
    t.page.context.close()


@pytest.fixture(scope="session")
def tiny_causal_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer GPT-2 with random weights and the bundled model's tokenizer, saved locally."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from rag.embedding.embedder import resolve_model_path

    folder = tmp_path_factory.mktemp("tiny-lm")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("all-MiniLM-L6-v2"))
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=1024, n_embd=16, n_layer=1, n_head=2)
    torch.manual_seed(0)  # unseeded random weights sometimes wrote only special tokens: ""
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 1-layer BERT regression head with the bundled tokenizer."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from rag.embedding.embedder import resolve_model_path

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-ce")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("all-MiniLM-L6-v2"))
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
