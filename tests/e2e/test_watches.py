"""Watched questions with a running server: saved over HTTP, re-answered after `rag index`
(the CLI), after another process's update (the server reloads and re-checks by itself) and
after an upload, each change recorded within two seconds; listed, removed, and refused to a
foreign page."""

import time
from pathlib import Path
from typing import Any

import httpx

from rag.service import RagService

QUESTION = "Who won the contract to dredge the main channel?"
DREDGING = (
    "Dredging contract awarded\n\nThe port authority awarded the contract to dredge the main "
    "channel to Tidewater Marine for 3.4 million pounds on Monday.\n"
)
APPEAL = (
    "Dredging award appealed\n\nBay Dredging Ltd appealed against the contract to dredge the "
    "main channel, saying Tidewater Marine's bid left out the cost of disposing of the silt.\n"
)


def changes_within(url: str, watch_id: str, count: int, seconds: float = 2.0) -> dict[str, Any]:
    """The watch once it has `count` changes, polled for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        watch = httpx.get(f"{url}/watches/{watch_id}").json()
        if len(watch["history"]) >= count or time.monotonic() > deadline:
            assert len(watch["history"]) == count, watch
            return watch  # type: ignore[no-any-return]
        time.sleep(0.05)


def test_a_watch_records_each_update_within_two_seconds(
    live: RagService, live_url: str, run_cli, tmp_path: Path
) -> None:
    saved = httpx.post(f"{live_url}/watches", json={"question": QUESTION}, timeout=60)
    assert saved.status_code == 201, saved.text
    watch = saved.json()
    assert watch["question"] == QUESTION and not watch["last"]["answerable"]
    corpus, index = live.settings.corpus_dir, live.settings.index_dir

    (corpus / "dredging.txt").write_text(DREDGING, encoding="utf-8")
    env = {"RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index)}
    done = run_cli("index", env=env)
    assert done.returncode == 0, done.stderr
    assert "Watched questions: 1 re-checked, 1 changed" in done.stdout
    first = changes_within(live_url, watch["id"], 1)["history"][0]
    assert first["after"]["answerable"] and "Tidewater Marine" in first["after"]["answer"]
    assert first["summary"].startswith("now answered from the archive; new: 1 article")

    (corpus / "appeal.txt").write_text(APPEAL, encoding="utf-8")
    other_process = RagService(live.settings)  # updates, but never re-checks: the server must
    other_process.update(progress=False)
    second = changes_within(live_url, watch["id"], 2)["history"][1]
    assert second["after"]["generation"] != first["after"]["generation"]

    correction = (
        "Dredging contract withdrawn\n\nThe port authority withdrew the contract to dredge the "
        "main channel from Tidewater Marine and awarded it to Harbour Works instead.\n"
    )
    upload = {"doc_id": "correction.txt", "text": correction}
    assert httpx.post(f"{live_url}/documents", json=upload, timeout=120).status_code == 201
    changes_within(live_url, watch["id"], 3)
    listed = httpx.get(f"{live_url}/watches").json()["watches"]
    assert [w["id"] for w in listed] == [watch["id"]] and len(listed[0]["history"]) == 3


def test_watches_are_removed_bounded_and_kept_from_foreign_pages(live_url: str) -> None:
    foreign = {"origin": "https://evil.example"}
    refused = httpx.post(f"{live_url}/watches", json={"question": QUESTION}, headers=foreign)
    assert refused.status_code == 403 and "RAG_CORS_ORIGINS" in refused.text
    watch = httpx.post(f"{live_url}/watches", json={"question": QUESTION}, timeout=60).json()
    assert httpx.delete(f"{live_url}/watches/{watch['id']}", headers=foreign).status_code == 403
    assert httpx.delete(f"{live_url}/watches/{watch['id']}").json() == {"removed": watch["id"]}
    gone = httpx.get(f"{live_url}/watches/{watch['id']}")
    assert gone.status_code == 404 and "No watched question" in gone.text
    blank = httpx.post(f"{live_url}/watches", json={"question": "  "})
    assert blank.status_code == 422


def test_rag_watch_on_the_command_line(run_cli, live: RagService) -> None:
    env = {
        "RAG_CORPUS_DIR": str(live.settings.corpus_dir),
        "RAG_INDEX_DIR": str(live.settings.index_dir),
    }
    added = run_cli("watch", "add", QUESTION, env=env)
    assert added.returncode == 0 and added.stdout.startswith("watching w-"), added.stderr
    watch_id = added.stdout.split()[1].rstrip(":")
    assert QUESTION in run_cli("watch", "list", env=env).stdout
    shown = run_cli("watch", "show", watch_id, "--json", env=env)
    assert '"question": "Who won the contract' in shown.stdout
    assert run_cli("watch", "remove", watch_id, env=env).returncode == 0
    missing = run_cli("watch", "show", watch_id, env=env)
    assert missing.returncode == 2 and "No watched question" in missing.stderr
    assert "No watched questions" in run_cli("watch", "list", env=env).stdout
