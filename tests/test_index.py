"""Index directories: reproducible builds, refusing mismatched manifests, surviving a crashed build."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.documents import load_corpus
from rag.errors import CorpusError, IndexMismatchError, IndexNotFoundError
from rag.index import CHUNKS, MANIFEST, build_index, load_index
from rag.service import RagService
from tests.conftest import SEEDS


def build(folder: Path, service: RagService, corpus: Path = SEEDS) -> dict:
    loaded = load_corpus(corpus)
    settings = service.settings.model_copy(update={"index_dir": folder})
    return build_index(loaded.documents, corpus, folder, settings, service.embedder, progress=False)


def test_rebuild_over_unchanged_files_gives_identical_chunks(
    seed_service: RagService, tmp_path: Path
) -> None:
    manifest = build(tmp_path / "again", seed_service)
    original = (seed_service.settings.index_dir / CHUNKS).read_text(encoding="utf-8")
    assert (tmp_path / "again" / CHUNKS).read_text(encoding="utf-8") == original
    assert manifest["corpus"] == seed_service.index.manifest["corpus"]
    assert manifest["counts"] == {"documents": 5, "chunks": len(seed_service.index.chunks)}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("model", "intfloat/e5-small-v2", "built with model 'intfloat/e5-small-v2'"),
        ("dim", 768, "768-dimensional"),
        ("format_version", 99, "format 99"),
    ],
)
def test_mismatched_manifest_is_refused(
    seed_service: RagService, tmp_path: Path, field: str, value: object, message: str
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(seed_service.settings.index_dir, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest[field] = value
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=message):
        load_index(folder, seed_service.settings, seed_service.embedder)


def test_missing_index_says_how_to_build(seed_service: RagService, tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="rag index"):
        load_index(tmp_path / "none", seed_service.settings, seed_service.embedder)


class ExplodingEmbedder:
    """Delegates to the real embedder but dies half-way through a build."""

    def __init__(self, real) -> None:
        self.real = real
        self.model_id, self.dim, self.max_tokens = real.model_id, real.dim, real.max_tokens
        self.token_count = real.token_count

    def embed_documents(self, texts, progress=False) -> np.ndarray:
        raise RuntimeError("power cut")


def test_crashed_build_leaves_previous_index_intact(
    seed_service: RagService, tmp_path: Path
) -> None:
    folder = tmp_path / "idx"
    build(folder, seed_service)
    before = (folder / CHUNKS).read_text(encoding="utf-8")
    docs = load_corpus(SEEDS).documents
    with pytest.raises(RuntimeError, match="power cut"):
        build_index(
            docs,
            SEEDS,
            folder,
            seed_service.settings,
            ExplodingEmbedder(seed_service.embedder),
            progress=False,
        )
    assert (folder / CHUNKS).read_text(encoding="utf-8") == before
    assert load_index(folder, seed_service.settings, seed_service.embedder).chunks
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]  # no staging debris


def test_empty_corpus_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_text("")
    service = RagService(Settings(corpus_dir=tmp_path / "c", index_dir=tmp_path / "i"))
    with pytest.raises(CorpusError, match="empty.txt: empty file"):
        service.build(progress=False)
