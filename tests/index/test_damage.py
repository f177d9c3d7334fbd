"""A damaged index is refused in one line naming the file, never served as 500s."""

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from rag.errors import IndexCorruptError
from rag.index import load_index
from rag.index.folder import current_generation
from rag.index.integrity import checksums
from rag.service import RagService
from tests.formats import write_corpus
from tests.server import serve


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffnot what was written\n" * 8)


def delete(path: Path) -> None:
    path.unlink()


def first_bm25_file(generation: Path) -> Path:
    return sorted((generation / "bm25").iterdir())[0]


CORRUPTIONS: list[tuple[str, Callable[[Path], Path], Callable[[Path], None]]] = [
    ("vectors truncated", lambda g: g / "vectors.faiss", truncate),
    ("vectors garbage", lambda g: g / "vectors.faiss", garbage),
    ("vectors deleted", lambda g: g / "vectors.faiss", delete),
    ("chunks truncated", lambda g: g / "chunks.jsonl", truncate),
    ("chunks garbage", lambda g: g / "chunks.jsonl", garbage),
    ("documents garbage", lambda g: g / "documents.json", garbage),
    ("documents deleted", lambda g: g / "documents.json", delete),
    ("views garbage", lambda g: g / "views.jsonl", garbage),
    ("bm25 truncated", first_bm25_file, truncate),
    ("bm25 garbage", first_bm25_file, garbage),
    ("minhash truncated", lambda g: g / "minhash.npz", truncate),
    ("manifest garbage", lambda g: g / "manifest.json", garbage),
    ("manifest deleted", lambda g: g / "manifest.json", delete),
    ("pointer garbage", lambda g: g.parent / "CURRENT", garbage),
]  # fmt: skip


@pytest.fixture(scope="module")
def pristine(seed_service: RagService, tmp_path_factory: pytest.TempPathFactory) -> RagService:
    root = tmp_path_factory.mktemp("damage")
    write_corpus(root / "corpus")
    service = seed_service.derive(corpus_dir=root / "corpus", index_dir=root / "index")
    service.update(progress=False)
    return service


@pytest.fixture
def copy(pristine: RagService, tmp_path: Path) -> RagService:
    shutil.copytree(pristine.settings.index_dir, tmp_path / "index")
    return pristine.derive(index_dir=tmp_path / "index")


@pytest.mark.parametrize(("kind", "target", "damage"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_each_kind_of_damage_is_named(copy: RagService, kind: str, target, damage) -> None:
    generation = current_generation(copy.settings.index_dir)
    assert generation is not None
    path = target(generation)
    damage(path)
    with pytest.raises(IndexCorruptError, match=r"is damaged \(") as caught:
        load_index(copy.settings.index_dir, copy.settings, copy.embedder)
    assert path.name in str(caught.value) and "rag index --full" in str(caught.value)
    with pytest.raises(IndexCorruptError):
        copy.check()


def test_cut_records_behind_matching_checksums_are_caught_by_the_counts(copy: RagService) -> None:
    """The probe's case: chunks.jsonl cut short, which once served 500s behind an ok /health."""
    generation = current_generation(copy.settings.index_dir)
    assert generation is not None
    lines = (generation / "chunks.jsonl").read_text().splitlines(keepends=True)
    (generation / "chunks.jsonl").write_text("".join(lines[:-1]))
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["files"] = checksums(generation)  # as if a broken writer had checksummed it
    (generation / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="records where the manifest says"):
        load_index(copy.settings.index_dir, copy.settings, copy.embedder)


def test_cli_refuses_a_damaged_index_in_one_line_and_check_names_it(run_cli, copy) -> None:
    env = {
        "RAG_INDEX_DIR": str(copy.settings.index_dir),
        "RAG_CORPUS_DIR": str(copy.settings.corpus_dir),
    }
    assert run_cli("index", "--check", env=env).stdout.startswith("ok: gen-")
    generation = current_generation(copy.settings.index_dir)
    assert generation is not None
    garbage(generation / "vectors.faiss")
    for command in (("query", "ferry"), ("answer", "ferry"), ("index", "--check")):
        result = run_cli(*command, env=env)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "vectors.faiss" in errors[0] and "is damaged" in errors[0]
    rebuilt = run_cli("index", env=env)
    assert (
        rebuilt.returncode == 0 and "Full rebuild: the current index is damaged" in rebuilt.stderr
    )
    assert run_cli("query", "ferry", env=env).returncode == 0


def test_a_server_whose_index_breaks_under_it_reports_degraded(copy: RagService) -> None:
    copy.open()
    settings = copy.settings.model_copy(update={"reload_interval_s": 0.2})
    with serve(create_app(settings, copy)) as url:
        assert httpx.get(f"{url}/health").json()["status"] == "ok"
        folder = copy.settings.index_dir
        old = current_generation(folder)
        assert old is not None
        broken = folder / "gen-999999-deadbeef"
        shutil.copytree(old, broken)
        truncate(broken / "chunks.jsonl")
        (folder / "CURRENT").write_text(broken.name)
        deadline = time.monotonic() + 10
        while httpx.get(f"{url}/health").status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        health = httpx.get(f"{url}/health")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert "chunks.jsonl" in health.json()["problem"]
        assert httpx.post(f"{url}/query", json={"question": "ferry"}).status_code == 200
