"""Index directories: reproducible builds, refusing mismatched manifests, surviving a crashed build."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.corpus.documents import load_corpus
from rag.errors import CorpusError, IndexMismatchError, IndexNotFoundError
from rag.index import CHUNKS, MANIFEST, UpdateReport, load_index, update_index
from rag.index.folder import current_generation
from rag.service import RagService
from tests.conftest import SEEDS


def build(folder: Path, service: RagService, corpus: Path = SEEDS, **kw) -> UpdateReport:
    settings = service.settings.model_copy(update={"index_dir": folder})
    return update_index(
        folder, lambda: load_corpus(corpus), settings, service.embedder, progress=False, **kw
    )


def generation(folder: Path) -> Path:
    found = current_generation(folder)
    assert found is not None
    return found


def test_rebuild_over_unchanged_files_gives_identical_chunks(
    seed_service: RagService, tmp_path: Path
) -> None:
    report = build(tmp_path / "again", seed_service)
    original = (generation(seed_service.settings.index_dir) / CHUNKS).read_text(encoding="utf-8")
    assert (generation(tmp_path / "again") / CHUNKS).read_text(encoding="utf-8") == original
    manifest = json.loads((generation(tmp_path / "again") / MANIFEST).read_text())
    assert manifest["corpus"] == seed_service.index.manifest["corpus"]
    assert manifest["counts"] == {"documents": 5, "chunks": len(seed_service.index.chunks)}
    assert report.full_reason == "there was no index yet" and report.embedded == report.chunks


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
    manifest = json.loads((generation(folder) / MANIFEST).read_text())
    manifest[field] = value
    (generation(folder) / MANIFEST).write_text(json.dumps(manifest))
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
        self.token_counts = real.token_counts

    def embed_documents(self, texts, progress=False) -> np.ndarray:
        raise RuntimeError("power cut")


def test_crashed_build_leaves_previous_index_intact(
    seed_service: RagService, tmp_path: Path
) -> None:
    folder = tmp_path / "idx"
    build(folder, seed_service)
    before = (generation(folder) / CHUNKS).read_text(encoding="utf-8")
    exploding = ExplodingEmbedder(seed_service.embedder)
    with pytest.raises(RuntimeError, match="power cut"):
        update_index(
            folder, lambda: load_corpus(SEEDS), seed_service.settings, exploding, full=True
        )
    assert (generation(folder) / CHUNKS).read_text(encoding="utf-8") == before
    assert load_index(folder, seed_service.settings, seed_service.embedder).chunks
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".staging")]


def test_empty_corpus_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_text("")
    service = RagService(Settings(corpus_dir=tmp_path / "c", index_dir=tmp_path / "i"))
    with pytest.raises(CorpusError, match="empty.txt: empty file"):
        service.update(progress=False)
