"""The `rag` console script, run as a user runs it."""

import json
import shutil
from pathlib import Path

from tests.conftest import read_exact
from tests.formats import make_messy_corpus


def test_index_reports_skipped_files_and_indexes_the_rest(run_cli, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    make_messy_corpus(corpus, tmp_path / "outside.txt")
    result = run_cli("index", str(corpus), env={"RAG_INDEX_DIR": str(tmp_path / "idx")})
    assert result.returncode == 0, result.stderr
    assert "+2 added, ~0 changed, -0 removed, 0 unchanged" in result.stdout
    for name in ("latin1.txt", "empty.txt", "binary.txt", "escape.txt"):
        assert f"skipped {name}" in result.stderr
    chunks = next((tmp_path / "idx").glob("gen-*/chunks.jsonl"))
    assert "Secret" not in chunks.read_text()


def test_query_json_matches_the_http_contract(run_cli) -> None:
    result = run_cli(
        "query", "How many votes did the Uighur bill get in the House?", "--top-k", "4", "--json"
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) >= {"question", "passages", "answerable", "timings_ms"}
    assert [p["rank"] for p in body["passages"]] == [1, 2, 3, 4]
    for p in body["passages"]:
        src = p["source"]
        assert read_exact(src["path"])[src["start"] : src["end"]] == p["text"]
    assert any("407-1" in p["text"] for p in body["passages"])


def test_query_prints_sources_for_people(run_cli) -> None:
    result = run_cli("query", "Which Moroccan prison holds the Uyghur activist?", "--top-k", "5")
    assert result.returncode == 0, result.stderr
    assert "003_c3a82658946608cb.txt" in result.stdout
    assert "Morocco: Uyghur Activist at Risk of Extradition" in result.stdout
    assert "Tiflet" in result.stdout


def test_bad_input_and_mismatched_index_exit_2_with_a_message(
    run_cli, seed_service, tmp_path: Path
) -> None:
    blank = run_cli("query", "   ")
    assert blank.returncode == 2 and "question is blank" in blank.stderr
    folder = tmp_path / "copy"
    shutil.copytree(seed_service.settings.index_dir, folder)
    path = next(folder.glob("gen-*/manifest.json"))
    manifest = json.loads(path.read_text())
    manifest["model"] = "some/other-model"
    path.write_text(json.dumps(manifest))
    wrong = run_cli("query", "anything", env={"RAG_INDEX_DIR": str(folder)})
    assert wrong.returncode == 2
    assert "built with model 'some/other-model'" in wrong.stderr and "Traceback" not in wrong.stderr


def test_bad_settings_are_reported_not_traced(run_cli) -> None:
    result = run_cli("query", "cotton", env={"RAG_TOP_K": "99"})
    assert result.returncode == 2
    assert "RAG_TOP_K" in result.stderr and "Traceback" not in result.stderr


def test_serve_builds_a_missing_index_then_answers_http(tmp_path: Path) -> None:
    import os
    import subprocess

    import httpx

    from eval.bench_http import free_port, start_server

    corpus = tmp_path / "corpus"
    make_messy_corpus(corpus, tmp_path / "outside.txt")
    (tmp_path / "idx").mkdir()  # an empty folder means "build it"
    port = free_port()
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "idx")}
    proc = start_server(port, env, output=subprocess.PIPE, timeout_s=180)
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/health").json()
        assert health["status"] == "ok" and health["model"] == "all-MiniLM-L6-v2"
        assert (health["chunks"], health["documents"]) == (2, 2)
        assert health["generation"].startswith("gen-000001-")
        body = httpx.post(
            f"http://127.0.0.1:{port}/query", json={"question": "ferry terminal"}
        ).json()
        assert body["passages"][0]["source"]["doc_id"] == "good.txt"
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "POST /query 200" in output  # the access log line
    assert "building one over" in output


def test_help_says_what_the_commands_do_for_a_user(run_cli) -> None:
    shown = run_cli("--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[2].startswith("Ask questions of a folder of news articles")
    for command in ("index", "answer", "serve", "generators", "eval"):
        assert f"\n    {command}" in shown.stdout
    assert "entry-point" not in shown.stdout and "Settings are built" not in shown.stdout
