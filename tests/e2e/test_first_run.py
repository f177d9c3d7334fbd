"""A new user's first run: nothing of theirs is ever deleted, and every step says what it does."""

import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from rag.config import Settings
from rag.corpus.documents import Corpus, load_corpus
from rag.errors import IndexDirError
from rag.index import index_exists, load_index, update_index
from rag.service import RagService
from tests.conftest import ROOT, SEEDS, snapshot


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    """A user's own folder of articles: what a mistyped RAG_INDEX_DIR points at."""
    folder = tmp_path / "my-articles"
    (folder / "2024").mkdir(parents=True)
    (folder / "bridge.txt").write_text("The Severn bridge reopened on Monday after repairs.\n")
    (folder / "2024" / "notes.md").write_text("Interview notes: the mayor declined to comment.\n")
    return folder


@pytest.mark.parametrize("command", [("index",), ("query", "bridge"), ("answer", "bridge")])
def test_an_index_dir_holding_the_users_files_is_never_touched(
    run_cli, articles: Path, command: tuple[str, ...]
) -> None:
    before = snapshot(articles)
    siblings = sorted(p.name for p in articles.parent.iterdir())
    result = run_cli(*command, env={"RAG_INDEX_DIR": str(articles), "RAG_CORPUS_DIR": str(SEEDS)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(articles) in errors[0]
    assert snapshot(articles) == before
    assert sorted(p.name for p in articles.parent.iterdir()) == siblings  # no debris either


def test_serve_refuses_an_index_dir_holding_other_files(articles: Path) -> None:
    before = snapshot(articles)
    env = {**os.environ, "RAG_INDEX_DIR": str(articles), "RAG_CORPUS_DIR": str(SEEDS)}
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rag"), "serve", "--port", str(_free_port())],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    assert result.returncode == 2 and "Refusing to write an index into" in result.stderr
    assert snapshot(articles) == before


def test_a_foreign_manifest_or_a_file_is_not_taken_for_an_index(
    seed_service: RagService, tmp_path: Path
) -> None:
    other = tmp_path / "webapp"
    other.mkdir()
    (other / "manifest.json").write_text('{"name": "my web app", "icons": []}')
    (other / "app.js").write_text("console.log('hi')")
    plain = tmp_path / "notes.txt"
    plain.write_text("not a folder")
    docs = load_corpus(SEEDS).documents
    for target, message in ((other, "not an index of ours"), (plain, "is a file")):
        before = target.read_bytes() if target.is_file() else snapshot(target)
        assert not index_exists(target)
        with pytest.raises(IndexDirError, match=message):
            update_index(
                target,
                lambda: Corpus(SEEDS, docs, ()),
                seed_service.settings,
                seed_service.embedder,
            )
        assert (target.read_bytes() if target.is_file() else snapshot(target)) == before


class WritesIntoTheIndexDir:
    """The real embedder, but a user saves a file into the index folder while it works."""

    def __init__(self, real, folder: Path) -> None:
        self.real, self.folder = real, folder
        self.model_id, self.dim, self.max_tokens = real.model_id, real.dim, real.max_tokens
        self.token_counts = real.token_counts

    def embed_documents(self, texts, progress=False):
        (self.folder / "draft.txt").write_text("my unsaved draft")
        return self.real.embed_documents(texts)


def test_a_file_saved_into_the_index_folder_during_a_build_survives_it(
    seed_service: RagService, tmp_path: Path
) -> None:
    folder = tmp_path / "idx"
    folder.mkdir()  # empty: may be used
    docs = load_corpus(SEEDS).documents[:1]
    embedder = WritesIntoTheIndexDir(seed_service.embedder, folder)
    update_index(folder, lambda: Corpus(SEEDS, docs, ()), seed_service.settings, embedder)
    assert (folder / "draft.txt").read_text() == "my unsaved draft"
    assert load_index(folder, seed_service.settings, seed_service.embedder).documents
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]


def test_query_and_answer_never_build_an_index(run_cli, tmp_path: Path) -> None:
    missing = tmp_path / "mistyped-index"
    for command in (("query", "cotton"), ("answer", "cotton")):
        result = run_cli(*command, env={"RAG_INDEX_DIR": str(missing)})
        assert result.returncode == 2
        assert result.stderr.startswith(f"error: No index in '{missing}'")
        assert not missing.exists()


def test_refusals_are_worded_for_whoever_asked_and_show_the_nearest_passages(run_cli) -> None:
    result = run_cli("answer", "How tall is Mount Everest?")
    assert result.returncode == 0, result.stderr
    assert "do not appear to cover" in result.stdout and "/query" not in result.stdout
    assert "Closest passages" in result.stdout and "[1] " in result.stdout


def test_answer_lists_cited_passages_apart_from_the_rest(run_cli) -> None:
    result = run_cli("answer", "Which Moroccan prison holds the Uyghur activist?", "--top-k", "5")
    assert result.returncode == 0, result.stderr
    answer, _, listing = result.stdout.partition("Sources:")
    sources, _, rest = listing.partition("Also retrieved (not cited):")
    cited = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", answer)}
    listed = {int(line[1 : line.index("]")]) for line in sources.splitlines() if line[:1] == "["}
    others = {int(line[1 : line.index("]")]) for line in rest.splitlines() if line[:1] == "["}
    assert cited and listed == cited
    assert others == set(range(1, 6)) - cited
    lines = result.stdout.splitlines()
    assert any(line.startswith("search: ") for line in lines)  # the retrieval's verdict ...
    assert any(line.startswith("answer check: ") for line in lines)  # ... apart from the answer's


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_taken_port_is_explained_by_make_run_and_rag_serve() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "RAG_PORT": str(port)}
        via_make = subprocess.run(
            ["make", "-s", "run", f"PORT={port}"],
            capture_output=True, text=True, cwd=ROOT, timeout=120, start_new_session=True,
        )  # fmt: skip
        via_env = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "rag"), "serve"],
            capture_output=True, text=True, cwd=ROOT, timeout=120, env=env, start_new_session=True,
        )  # fmt: skip
    for result in (via_make, via_env):
        assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
        assert f"PORT={port + 1}" in result.stderr and "Traceback" not in result.stderr
    assert via_env.returncode == 2


class _TorchIndex(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200 if self.path == "/whl/cpu/torch/" else 404)
        self.end_headers()
        self.wfile.write(b"<a href='torch-2.13.0+cpu.whl'>torch</a>")

    def log_message(self, *args: object) -> None:
        pass


def test_install_takes_torch_from_the_cpu_index_when_it_answers() -> None:
    server = HTTPServer(("127.0.0.1", 0), _TorchIndex)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live = f"http://127.0.0.1:{server.server_port}/whl/cpu"
    dead = f"http://127.0.0.1:{_free_port()}/whl/cpu"
    try:
        found = [
            subprocess.run(
                ["make", "-s", "torch-source", f"TORCH_INDEX={url}"],
                capture_output=True, text=True, cwd=ROOT, timeout=60, start_new_session=True,
            ).stdout.strip()
            for url in (live, dead)
        ]  # fmt: skip
    finally:
        server.shutdown()
    assert found == [live, "configured"]
    installed = subprocess.run(
        ["make", "torch"], capture_output=True, text=True, cwd=ROOT, start_new_session=True
    )
    assert "==> torch 2.13.0 already installed" in installed.stdout


def test_unsupported_and_odd_files_are_all_reported(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / ".git").mkdir(parents=True)
    (corpus / "story.txt").write_text("A story about the harbour.\n")
    (corpus / "report.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "page.html").write_text("<html></html>")
    (corpus / "dump.jsonl").write_text("{}\n")
    (corpus / "memo.docx").write_bytes(b"PK\x03\x04")
    (corpus / "README").write_text("no extension")
    (corpus / ".DS_Store").write_bytes(b"\0")
    os.mkfifo(corpus / "pipe.txt")  # reading it would block forever
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", corpus / "linked")
    loaded = load_corpus(corpus)
    assert [d.doc_id for d in loaded.documents] == ["story.txt"]
    reasons = {s.doc_id: s.reason for s in loaded.skipped}
    assert reasons["memo.docx"].startswith("unsupported format .docx")
    assert reasons["report.pdf"].startswith("not a readable PDF")
    assert reasons["page.html"] == "no article text found in the page"
    assert reasons["dump.jsonl#1"].startswith("record has no text")
    assert reasons["README"].startswith("unsupported format (no extension)")
    assert "hidden" in reasons[".DS_Store"] and "hidden" in reasons[".git"]
    assert "not a regular file" in reasons["pipe.txt"]
    assert "link to a folder" in reasons["linked"]


def test_index_command_lists_unsupported_files(run_cli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "story.txt").write_text("The harbour ferry resumed service after the storm.\n")
    (corpus / "memo.docx").write_bytes(b"PK\x03\x04")
    result = run_cli("index", str(corpus), env={"RAG_INDEX_DIR": str(tmp_path / "idx")})
    assert result.returncode == 0, result.stderr
    assert "skipped memo.docx: unsupported format .docx" in result.stderr


def test_settings_read_host_and_port() -> None:
    settings = Settings(_env_file=None, host="0.0.0.0", port=8123)  # type: ignore[call-arg]
    assert (settings.host, settings.port) == ("0.0.0.0", 8123)
    with pytest.raises(ValueError, match="port"):
        Settings(port=70000)


def test_serve_reports_the_build_and_keeps_library_chatter_out_of_its_log(tmp_path: Path) -> None:
    import httpx

    from tests.formats import write_corpus

    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    (corpus / "empty.html").write_text("<html><body></body></html>")
    port = _free_port()
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "index")}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "rag"), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env=env,
        start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        upload = httpx.post(
            f"{url}/documents",
            files=[("files", ("blank.html", b"<html><body><p></p></body></html>", "text/html"))],
            timeout=120,
        )
        assert upload.status_code == 422
        added = httpx.post(f"{url}/documents", json={"doc_id": "x.txt", "text": "A\n\nB c d."})
        assert added.status_code == 201
    finally:
        server.terminate()
        log = server.communicate(timeout=60)[0]
    assert "skipped notes.docx: unsupported format .docx" in log
    assert "skipped empty.html:" in log
    assert "+3 added, ~0 changed, -0 removed, 0 unchanged" in log
    assert "bm25s" not in log and "empty HTML tree" not in log and "DEBUG" not in log


FAKE_PYTHON = """#!/bin/sh
# pip as a first install prints it: hundreds of lines; FAIL_PIP makes the install fail
case "$*" in
  *"pip install"*)
    i=0; while [ $i -lt 300 ]; do echo "Collecting package$i"; i=$((i+1)); done
    if [ -n "$FAIL_PIP" ]; then echo "ERROR: No matching distribution found for newsrag"; exit 1; fi
    exit 0;;
  *"import sys, torch"*) exit 1;;
esac
exit 0
"""


@pytest.mark.parametrize("fail", [False, True], ids=["succeeds", "fails"])
def test_make_install_shows_its_steps_and_pip_only_on_failure(tmp_path: Path, fail: bool) -> None:
    """`make run` starts with `make install`: its ==> steps show, pip's log goes to a file and
    only its end is shown, when a step fails."""
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    log = tmp_path / "pip.log"
    done = subprocess.run(
        ["make", "--no-print-directory", "install", f"BIN={tmp_path / 'bin'}",
         f"STAMP={tmp_path / 'stamp'}", f"PIP_LOG={log}", "TORCH_INDEX=http://127.0.0.1:9/none"],
        capture_output=True, text=True, cwd=ROOT, timeout=60, start_new_session=True,
        env={**os.environ, **({"FAIL_PIP": "1"} if fail else {})},
    )  # fmt: skip
    shown = done.stdout.splitlines()
    assert "Collecting package0" in log.read_text()
    if not fail:
        assert done.returncode == 0, done.stdout + done.stderr
        assert all(line.startswith("==> ") for line in shown), shown
        assert shown[-1] == "==> installed; run 'make run' to serve or 'make test' to test"
        assert (tmp_path / "stamp").exists()
    else:
        assert done.returncode != 0
        assert f"==> that failed; the end of pip's log ({log}):" in shown
        assert "ERROR: No matching distribution found for newsrag" in shown
        assert len(shown) < 60 and not (tmp_path / "stamp").exists()
