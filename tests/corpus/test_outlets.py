"""Lines an outlet repeats across its saved pages leave them (rag.corpus.outlets)."""

from pathlib import Path

import httpx

from rag.corpus.chrome import is_chrome
from rag.corpus.documents import load_corpus
from tests.formats import PROMO, STORIES, outlet_page


def write_pages(root: Path, stories: int, other_host: bool = True) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for n, (title, body) in enumerate(STORIES[:stories]):
        (root / f"gazette-{n}.html").write_text(outlet_page(title, body), encoding="utf-8")
    if other_host:
        page = outlet_page(
            "Ferry fares to rise", "Fares will rise by a tenth in May.", "other.example"
        )
        (root / "other.html").write_text(page, encoding="utf-8")


def test_the_promo_is_not_caught_by_the_general_rules() -> None:
    assert not is_chrome(PROMO)  # the general rules do not know it: repetition does


def test_repeated_lines_leave_the_outlets_pages_and_stay_elsewhere(tmp_path: Path) -> None:
    write_pages(tmp_path / "two", 2)
    two = {d.doc_id: d for d in load_corpus(tmp_path / "two").documents}
    assert all(PROMO in d.text for d in two.values())  # two pages prove nothing

    write_pages(tmp_path / "three", 3)
    three = {d.doc_id: d for d in load_corpus(tmp_path / "three").documents}
    for n, (title, _) in enumerate(STORIES):
        page = three[f"gazette-{n}.html"]
        assert PROMO not in page.text and page.text.startswith(title)
        assert "Residents said they were relieved" in page.text
    assert PROMO in three["other.html"].text  # another outlet's page keeps it
    assert three["gazette-0.html"].sha256 != two["gazette-0.html"].sha256  # so it is re-chunked


def test_one_article_saved_three_times_keeps_its_lines(tmp_path: Path) -> None:
    root = tmp_path / "copies"
    root.mkdir()
    for n in range(3):
        (root / f"copy-{n}.html").write_text(outlet_page(*STORIES[0]), encoding="utf-8")
    assert all(PROMO in d.text for d in load_corpus(root).documents)


def test_uploaded_pages_of_one_outlet_are_served_without_its_promo(live_url: str) -> None:
    for n, (title, body) in enumerate(STORIES):
        files = [("files", (f"gazette/{n}.html", outlet_page(title, body).encode()))]
        assert httpx.post(f"{live_url}/documents", files=files, timeout=120).status_code == 201
    body = httpx.post(
        f"{live_url}/query",
        json={"question": "Who owns the Kestrel Gazette and who does it answer to?", "top_k": 10},
        timeout=60,
    ).json()
    gazette = [p for p in body["passages"] if p["source"]["doc_id"].startswith("gazette/")]
    assert gazette and all("owned by its readers" not in p["text"] for p in body["passages"])
    for n in range(3):
        view = httpx.get(f"{live_url}/documents/gazette/{n}.html", timeout=60).json()
        assert PROMO not in view["text"]
        for p in gazette:
            if p["source"]["doc_id"] == f"gazette/{n}.html":
                assert view["text"][p["source"]["start"] : p["source"]["end"]] == p["text"]
