"""Real news piles: HTML, PDF, JSONL, feeds and newsletters, with metadata, filters and copies."""

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from api.app import create_app
from rag.corpus.metadata import cues, parse_date
from rag.service import RagService
from tests import formats
from tests.conftest import indexed
from tests.server import serve

MIXED_DOCS = [
    "brief.eml",
    "coastal.atom#urn:coastal:seagrass",
    "dump.jsonl#a1",
    "dump.jsonl#a2",
    "gazette-harbour.html",
    "morrow.rss#morrow-ferry-1",
    "morrow.rss#morrow-roof-2",
    "safety-report.pdf",
    "wire-courier.txt",
    "wire-herald.txt",
]


@pytest.fixture(scope="module")
def mixed(seed_service: RagService, tmp_path_factory: pytest.TempPathFactory) -> RagService:
    root = tmp_path_factory.mktemp("mixed")
    formats.mixed_folder(root / "corpus")
    return indexed(seed_service, root)


@pytest.fixture(scope="module")
def url(mixed: RagService) -> Iterator[str]:
    with serve(create_app(mixed.settings, mixed)) as base:
        yield base


def query(url: str, question: str, **body: object) -> dict:
    response = httpx.post(f"{url}/query", json={"question": question, **body}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def text_view(url: str, doc_id: str) -> str:
    response = httpx.get(f"{url}/documents/{quote(doc_id, safe='/')}")  # FILE#ID: # is %23
    assert response.status_code == 200, response.text
    return str(response.json()["text"])


def test_rag_index_over_a_mixed_folder_reports_what_it_skips(run_cli, tmp_path: Path) -> None:
    formats.mixed_folder(tmp_path / "corpus")
    env = {"RAG_INDEX_DIR": str(tmp_path / "index")}
    result = run_cli("index", str(tmp_path / "corpus"), env=env)
    assert result.returncode == 0, result.stderr
    assert f"+{len(MIXED_DOCS)} added" in result.stdout
    for line in (
        "skipped scan.pdf: PDF has no text layer",
        "skipped locked.pdf: encrypted PDF",
        "skipped dump.jsonl#a3: record has no text",
        "skipped dump.jsonl#4: line 4 is not valid JSON",
    ):
        assert line in result.stderr


def test_every_format_is_indexed_with_its_metadata(url: str) -> None:
    listed = httpx.get(f"{url}/documents").json()["documents"]
    assert [d["doc_id"] for d in listed] == MIXED_DOCS
    first = {d["doc_id"]: (d["format"], d["articles"][0]) for d in listed}
    expected = {
        "gazette-harbour.html": ("html", "2024-03-05", "Leona Pratt", "Kestrel Gazette", "https://gazette.example/news/harbour-ferry"),
        "dump.jsonl#a1": ("jsonl", "2024-03-12", "Ann Fields", "Dunmore Echo", "https://echo.example/library"),
        "dump.jsonl#a2": ("jsonl", "2023-09-30", "Morag Ellis, Ian Shaw", "Fenwick Times", None),
        "morrow.rss#morrow-ferry-1": ("feed", "2024-03-15", "Sam Reid", "Morrow Island News", "https://morrow.example/ferry"),
        "coastal.atom#urn:coastal:seagrass": ("feed", "2024-04-01", "Dr Priya Nair", "Coastal Science Digest", "https://coastal.example/seagrass"),
        "brief.eml": ("email", "2024-04-10", None, "The Harbour Brief", "https://harbour.example/brief/2024-04-10"),
        "wire-herald.txt": ("text", "2024-03-07", None, "Reuters", None),
    }  # fmt: skip
    for doc_id, (fmt, published, author, outlet, link) in expected.items():
        got_format, article = first[doc_id]
        got = (
            got_format,
            article["published"],
            article["author"],
            article["outlet"],
            article["url"],
        )
        assert got == (fmt, published, author, outlet, link), doc_id
    assert first["gazette-harbour.html"][1]["title"] == "Harbour ferry returns after storm"
    assert first["safety-report.pdf"][1]["author"] == "Port Safety Board"


def test_page_chrome_is_dropped(url: str) -> None:
    view = text_view(url, "gazette-harbour.html")
    assert view.startswith("Harbour ferry returns after storm\n\n")
    assert "212 passengers" in view and "fishing boat" in view
    for chrome in (
        "cookies",
        "Share on Facebook",
        "Related stories",
        "Brilliant news",
        "All rights reserved",
        "Weather",
    ):
        assert chrome not in view, chrome


@pytest.mark.parametrize(
    "question",
    ["ferry repairs cost", "dredging contract", "heather honey", "seagrass survey", "library vote"],
)
def test_offsets_are_exact_against_the_text_view_for_every_format(url: str, question: str) -> None:
    for passage in query(url, question, top_k=5)["passages"]:
        source = passage["source"]
        view = text_view(url, source["doc_id"])
        assert view[source["start"] : source["end"]] == passage["text"]


def test_pdf_passages_know_their_pages(url: str) -> None:
    body = query(
        url, "Mooring lines parted during the storm", filters={"doc_ids": ["safety-report.pdf"]}
    )
    passage = body["passages"][0]["source"]
    assert passage["format"] == "pdf" and (passage["page_start"], passage["page_end"]) == (2, 2)
    pages = httpx.get(f"{url}/documents/safety-report.pdf").json()["pages"]
    start, end = pages[1]
    assert "Mooring lines parted" in text_view(url, "safety-report.pdf")[start:end]
    only = {"doc_ids": ["safety-report.pdf"]}
    fenders = query(url, "What will replacing the pier fenders cost?", filters=only)
    assert fenders["passages"][0]["source"]["page_start"] == 3


def test_filters_apply_inside_the_rankers_and_keep_top_k_full(url: str) -> None:
    question = "Who paid for the repairs?"
    unfiltered = query(url, question, top_k=3)["passages"]
    march = {"published_from": "2024-03-01", "published_to": "2024-03-31"}
    filtered = query(url, question, top_k=3, filters=march)["passages"]
    assert len(filtered) == 3
    assert all("2024-03-01" <= p["source"]["published"] <= "2024-03-31" for p in filtered)
    assert [p["source"]["doc_id"] for p in filtered] != [p["source"]["doc_id"] for p in unfiltered]
    by_outlet = query(url, "honey", top_k=5, filters={"outlets": ["kestrel gazette"]})["passages"]
    assert by_outlet and {p["source"]["outlet"] for p in by_outlet} == {"Kestrel Gazette"}
    records = query(url, "news", top_k=10, filters={"doc_ids": ["dump.jsonl"]})["passages"]
    assert {p["source"]["doc_id"] for p in records} == {"dump.jsonl#a1", "dump.jsonl#a2"}
    undated = query(
        url,
        "safety report",
        filters={"published_to": "2030-01-01", "doc_ids": ["wire-herald.txt", "safety-report.pdf"]},
    )
    assert all(p["source"]["published"] for p in undated["passages"])


@pytest.mark.parametrize(
    ("filters", "says"),
    [
        (
            {"outlets": ["Gazette"]},
            "no article is from 'Gazette' (did you mean 'Kestrel Gazette'?)",
        ),
        ({"published_from": "2031-01-01"}, "no article was published 2031-01-01 to ... (dated"),
        ({"doc_ids": ["nothing.txt"]}, "no document is called 'nothing.txt'"),
        (
            {"outlets": ["Kestrel Gazette"], "doc_ids": ["morrow.rss"]},
            "No article matches all of these filters together",
        ),
    ],
)
def test_a_filter_that_matches_nothing_says_so(url: str, run_cli, mixed, filters, says) -> None:
    body = query(url, "Who paid for the repairs?", filters=filters)
    assert body["passages"] == [] and body["answerable"] is False
    assert says in body["notice"], body["notice"]
    answer = httpx.post(
        f"{url}/answer", json={"question": "Who paid?", "filters": filters}, timeout=60
    ).json()
    assert says in answer["answer"]


def test_the_cli_says_which_filter_matched_nothing(run_cli, mixed: RagService) -> None:
    env = {
        "RAG_CORPUS_DIR": str(mixed.settings.corpus_dir),
        "RAG_INDEX_DIR": str(mixed.settings.index_dir),
    }
    shown = run_cli("query", "ferry", "--outlet", "Gazette", env=env)
    assert "did you mean 'Kestrel Gazette'?" in shown.stdout and "relevance" not in shown.stdout


@pytest.mark.parametrize(
    ("filters", "mentions"),
    [
        ({"published_from": "2024-13-01"}, "published_from"),
        ({"outlets": "Reuters"}, "outlets"),
        ({"doc_ids": [3]}, "doc_ids"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_malformed_filters_are_422s_naming_the_field(
    url: str, filters: dict, mentions: str
) -> None:
    response = httpx.post(f"{url}/query", json={"question": "ferry", "filters": filters})
    assert response.status_code == 422 and mentions in response.text


def test_a_reversed_date_range_finds_nothing_and_says_to_swap_the_dates(url: str) -> None:
    """The schema cannot say "from before to", so the server answers such a range (with
    nothing) instead of refusing what its published schema allows."""
    reversed_range = {"published_from": "2024-05-01", "published_to": "2024-04-01"}
    body = query(url, "ferry", filters=reversed_range)
    assert body["passages"] == [] and not body["answerable"]
    assert (
        "published_from (2024-05-01) is after published_to (2024-04-01): swap them"
        in body["notice"]
    )


def test_syndicated_copies_show_as_one_passage(url: str, mixed: RagService) -> None:
    passages = query(url, "Why did train drivers call off the strike?", top_k=5)["passages"]
    wire = [p for p in passages if p["source"]["doc_id"].startswith("wire-")]
    assert len(wire) == 1
    (copy,) = wire[0]["source"]["also_in"]
    assert copy["doc_id"] in ("wire-herald.txt", "wire-courier.txt") != wire[0]["source"]["doc_id"]
    assert copy["outlet"] == "Reuters"
    apart = mixed.derive(group_copies=False).query("Why did train drivers call off the strike?", 5)
    assert len([p for p in apart.passages if p.doc_id.startswith("wire-")]) == 2


def test_uploads_of_every_format_over_http(live_url: str) -> None:
    uploads = {
        "page.html": formats.html_page().encode(),
        "report.pdf": formats.pdf_report(["Dredging will deepen the channel to 9 metres."]),
        "dump.jsonl": formats.jsonl_dump().encode(),
        "feed.rss": formats.RSS.encode(),
        "brief.eml": formats.newsletter(),
    }
    files = [("files", (name, data, "application/octet-stream")) for name, data in uploads.items()]
    response = httpx.post(f"{live_url}/documents", files=files, timeout=120)
    assert response.status_code == 201, response.text
    written = {d["doc_id"]: d for d in response.json()["documents"]}
    assert {
        "page.html",
        "report.pdf",
        "dump.jsonl#a1",
        "dump.jsonl#a2",
        "feed.rss#morrow-ferry-1",
        "brief.eml",
    } <= set(written)
    assert written["page.html"]["articles"][0]["outlet"] == "Kestrel Gazette"
    hit = httpx.post(
        f"{live_url}/query", json={"question": "How deep will the channel be dredged?", "top_k": 1}
    ).json()
    assert hit["passages"][0]["source"]["doc_id"] == "report.pdf"
    for name, data, reason in (
        ("scan.pdf", formats.pdf_scan(), "no text layer"),
        ("locked.pdf", formats.pdf_locked(), "encrypted"),
    ):
        refused = httpx.post(
            f"{live_url}/documents", files=[("files", (name, data, "application/pdf"))]
        )
        assert refused.status_code == 422 and reason in refused.text
    record = httpx.delete(f"{live_url}/documents/dump.jsonl%23a1")
    assert record.status_code == 409 and "deleted with their file" in record.text
    assert httpx.delete(f"{live_url}/documents/dump.jsonl").status_code == 200
    listed = [d["doc_id"] for d in httpx.get(f"{live_url}/documents").json()["documents"]]
    assert not [d for d in listed if d.startswith("dump.jsonl")]


def test_cli_filters(run_cli, mixed: RagService) -> None:
    env = {
        "RAG_CORPUS_DIR": str(mixed.settings.corpus_dir),
        "RAG_INDEX_DIR": str(mixed.settings.index_dir),
    }
    result = run_cli("query", "ferry", "--outlet", "Kestrel Gazette", "--json", env=env)
    assert result.returncode == 0, result.stderr
    outlets = {p["source"]["outlet"] for p in json.loads(result.stdout)["passages"]}
    assert outlets == {"Kestrel Gazette"}
    shown = run_cli("query", "ferry", "--from", "2024-03-10", "--to", "2024-03-31", env=env)
    assert "Morrow Island News, 2024-03-15" in shown.stdout
    bad = run_cli("query", "ferry", "--from", "2024-13-01", env=env)
    assert bad.returncode == 2 and "is not a date: write YYYY-MM-DD" in bad.stderr


def test_cue_parsers_on_the_seeds(seed_service: RagService) -> None:
    articles = {a.title: a for d in seed_service.index.documents for a in d.articles}
    farge = next(a for t, a in articles.items() if t and t.startswith("China Seeks to Stop UN"))
    assert (farge.author, farge.outlet, farge.published) == ("Emma Farge", "Reuters", "2022-07-20")
    aspi = next(
        a for t, a in articles.items() if t and t.startswith("China's Information Operations")
    )
    assert (aspi.author, aspi.outlet) == ("Albert Zhang and Tilla Hoja", "ASPI")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("By Jane Roe, The Herald, 3 May 2021\n\nText", ("Jane Roe", "The Herald", "2021-05-03")),
        ("LONDON, Jan. 5, 2023 (AP) — The", (None, "AP", "2023-01-05")),
        ("Title\nPublished: 2020-02-29\n", (None, None, "2020-02-29")),
        ("By the way, this line is prose, 2020-01-01", (None, None, None)),
        ("Bylaws change in 2019", (None, None, None)),
    ],
)
def test_cue_parser_rules(head: str, expected: tuple) -> None:
    meta = cues(head)
    assert (meta.author, meta.outlet, meta.published) == expected


def test_dates_need_a_day_to_count() -> None:
    assert parse_date("Tue, 12 Mar 2024 08:30:00 GMT") == "2024-03-12"
    assert (
        parse_date("2024") is None
        and parse_date("March 2024") is None
        and parse_date("soon") is None
    )
