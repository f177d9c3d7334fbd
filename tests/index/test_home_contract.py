"""The IndexHome contract, run against both homes (a folder of generations, and Milvus through
an embedded milvus-lite file): build, load, check, sync again, and, for Milvus, apply uploads
and removals by name."""

from pathlib import Path

import pytest

from rag.corpus.documents import Corpus, load_corpus
from rag.index.home import home_for
from rag.service import RagService
from tests.formats import BEEKEEPER, write_corpus


@pytest.fixture(params=["faiss", "milvus"])
def home(request: pytest.FixtureRequest, seed_service: RagService, tmp_path: Path):  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    settings = seed_service.settings.model_copy(
        update={
            "corpus_dir": corpus,
            "index_dir": tmp_path / "index",
            "store": request.param,
            "milvus_uri": str(tmp_path / "milvus.db"),
        }
    )
    return home_for(settings, lambda: seed_service.embedder), corpus


def test_a_home_builds_loads_checks_and_keeps_an_unchanged_generation(home) -> None:  # type: ignore[no-untyped-def]
    store, corpus = home
    assert not store.exists() and store.current() is None
    report = store.sync(lambda: load_corpus(corpus), progress=False)
    assert store.exists() and store.current() == report.generation
    index = store.load()
    assert sorted(d.doc_id for d in index.documents) == [
        "council.txt",
        "harbour.txt",
        "sport/rovers.md",
    ]
    assert index.generation.endswith(report.generation)
    checked = store.check()
    assert checked["chunks"] == len(index.chunks) and checked["stale"] == []
    again = store.sync(lambda: load_corpus(corpus), progress=False)
    assert again.generation == report.generation and again.embedded == 0
    (corpus / "harbour.txt").unlink()
    fewer = store.sync(lambda: load_corpus(corpus), progress=False)
    assert fewer.removed == ("harbour.txt",) and store.current() == fewer.generation


def test_a_delta_home_applies_uploads_and_removals_by_name(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, corpus = home
    store.sync(lambda: load_corpus(corpus), progress=False)
    if not store.delta:
        assert not hasattr(store, "apply")  # a folder home re-reads its folders instead
        return
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "bees.txt").write_text(BEEKEEPER)
    upload = load_corpus(tmp_path / "up")
    added = store.apply(Corpus(corpus, upload.documents, ()), [])
    assert added.added == ("bees.txt",)
    removed = store.apply(Corpus(corpus, (), ()), ["council.txt"])
    assert removed.removed == ("council.txt",)
    assert sorted(d.doc_id for d in store.load().documents) == [
        "bees.txt",
        "harbour.txt",
        "sport/rovers.md",
    ]
