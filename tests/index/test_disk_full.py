"""A full disk: one clear line, the previous index serving, nothing half-written, no false 201."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from rag.index import load_index
from rag.service import RagService
from tests.formats import BEEKEEPER, write_corpus
from tests.server import serve


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MB tmpfs (this needs root, as CI runs here)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        start_new_session=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, start_new_session=True)


def fill(disk: Path, leave: int) -> None:
    """Take all but `leave` bytes of the disk's free space."""
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    with open(disk / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_rag_index_on_a_full_disk_says_so_and_keeps_the_old_index(
    run_cli, seed_service: RagService, disk: Path, tmp_path: Path
) -> None:
    corpus, index = tmp_path / "corpus", disk / "index"
    write_corpus(corpus)
    env = {"RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index)}
    assert run_cli("index", env=env).returncode == 0
    before = load_index(index, seed_service.settings, seed_service.embedder)
    fill(disk, leave=16_384)
    (corpus / "bees.txt").write_text(BEEKEEPER * 20)
    result = run_cli("index", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "No space left on the disk" in errors[0], result.stderr[-800:]
    assert "previous index is still being served" in errors[0]
    after = load_index(index, seed_service.settings, seed_service.embedder)
    assert after.generation == before.generation and len(after.documents) == 3
    assert not [p for p in index.iterdir() if p.name.startswith(".staging")]


def test_an_upload_to_a_full_disk_is_not_acknowledged(seed_service: RagService, disk: Path) -> None:
    corpus = disk / "corpus"
    write_corpus(corpus)
    service = seed_service.derive(
        corpus_dir=corpus, index_dir=disk.parent / "index", uploads_dir=disk / "uploads"
    )
    service.update(progress=False)
    service.open()
    before = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*"))
    fill(disk, leave=4096)
    with serve(create_app(service.settings, service)) as url:
        generation = httpx.get(f"{url}/health").json()["generation"]
        doc = {"doc_id": "bees.txt", "text": BEEKEEPER * 40}
        response = httpx.post(f"{url}/documents", json=doc, timeout=60)
        assert response.status_code == 507 and "No space left" in response.json()["detail"]
        assert "nothing was stored" in response.json()["detail"]
        assert sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*")) == before
        assert not [p for p in (disk / "uploads").rglob("*") if p.is_file()]
        assert httpx.get(f"{url}/health").json()["generation"] == generation
        (disk / "filler").unlink()
        assert httpx.post(f"{url}/documents", json=doc, timeout=60).status_code == 201
