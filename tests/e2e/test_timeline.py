"""How a story developed, from the CLI, the HTTP API and the page: the passages about it by
publication day, copies folded, undated ones apart, and articles per week."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from rag.service import RagService
from tests.browser import open_tab
from tests.conftest import READ, indexed

STORY = [
    ("2024-03-04", "Harbour Gazette", "Kestrel bridge closed after cracks found",
     "Engineers closed the Kestrel Bay bridge on Monday after cracks were found in two of its "
     "steel cables, the county council said."),
    ("2024-03-06", "Coast Courier", "Ferries added while Kestrel bridge stays shut",
     "The operator added four ferry crossings a day while the Kestrel Bay bridge stays shut "
     "for repairs to its cables."),
    ("2024-03-06", "Coast Wire", "Ferries added while Kestrel bridge stays shut",
     "The operator added four ferry crossings a day while the Kestrel Bay bridge stays shut "
     "for repairs to its cables."),
    ("2024-03-21", "Harbour Gazette", "Kestrel bridge reopens to traffic",
     "The Kestrel Bay bridge reopened to traffic on Thursday after the two cracked cables "
     "were replaced, three weeks after it closed."),
    ("", "Harbour Gazette", "Kestrel bridge: a history",
     "The Kestrel Bay bridge opened in 1968 and carries about nine thousand cars a day "
     "across the bay to the island."),
    ("2024-03-10", "Harbour Gazette", "Beekeepers report record harvest",
     "Members of the Fenwick Beekeepers Association collected 2.3 tonnes of heather honey."),
]  # fmt: skip
QUESTION = "Kestrel Bay bridge cables"


@pytest.fixture(scope="module")
def story(seed_service: RagService, tmp_path_factory: pytest.TempPathFactory) -> RagService:
    root = tmp_path_factory.mktemp("story")
    (root / "corpus").mkdir()
    records = [
        {"id": f"s{i}", "title": t, "content": body, "outlet": o, **({"published": d} if d else {})}
        for i, (d, o, t, body) in enumerate(STORY)
    ]
    (root / "corpus" / "story.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    return indexed(seed_service, root)


@pytest.fixture(scope="module")
def story_url(story: RagService) -> Iterator[str]:
    from api.app import create_app
    from tests.server import serve

    with serve(create_app(story.settings, story.derive(api_keys=[READ]))) as url:
        yield url


def test_the_story_by_day_copies_folded_and_undated_apart(story: RagService) -> None:
    timeline = story.timeline(QUESTION).as_dict()
    assert [d["date"] for d in timeline["days"]] == ["2024-03-04", "2024-03-06", "2024-03-21"]
    middle = timeline["days"][1]["entries"]
    assert len(middle) == 1 and len(middle[0]["also_in"]) == 1  # the wire copy, folded
    assert [e["title"] for e in timeline["undated"]] == ["Kestrel bridge: a history"]
    assert "Beekeepers" not in json.dumps(timeline)
    assert [w["articles"] for w in timeline["weeks"]] == [2, 0, 1]
    for day in timeline["days"]:
        for entry in day["entries"]:
            _, view = story.document(entry["doc_id"])
            sentence = entry["sentence"]
            assert view[sentence["start"] : sentence["end"]] == sentence["text"]


def test_rag_timeline_prints_the_days(story: RagService) -> None:
    env = {
        "RAG_CORPUS_DIR": str(story.settings.corpus_dir),
        "RAG_INDEX_DIR": str(story.settings.index_dir),
        "HF_HUB_OFFLINE": "1",
    }
    rag = shutil.which("rag", path=str(Path(sys.executable).parent)) or "rag"
    done = subprocess.run(
        [rag, "timeline", QUESTION],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "2024-03-04" and "undated" in lines and "(+1 copies)" in done.stdout


def test_post_timeline_and_the_page_draw_it(story_url: str, browser: Browser) -> None:
    reply = httpx.post(
        f"{story_url}/timeline",
        json={"question": QUESTION},
        headers={"Authorization": f"Bearer {READ}"},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["days"]) == 3
    bad = httpx.post(
        f"{story_url}/timeline", json={"question": ""}, headers={"Authorization": f"Bearer {READ}"}
    )
    assert bad.status_code == 422
    tab = open_tab(browser, story_url, READ)
    page = tab.page
    page.goto("/#timeline")
    page.fill("#timeline-question", QUESTION)
    page.get_by_role("button", name="Show the timeline").click()
    expect(page.locator("#timeline-status")).to_contain_text(
        "3 dated passages over 3 days, 1 undated"
    )
    expect(page.locator("#timeline-days .day h3")).to_have_count(4)
    expect(page.locator(".weeks li")).to_have_count(3)
    expect(page.locator("#timeline-days .day").first).to_contain_text("Harbour Gazette")
    assert tab.unexpected() == []
    tab.page.context.close()
