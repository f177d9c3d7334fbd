"""Metadata people filter on, from the shapes real pages, feeds, PDFs and exports come in."""

import json
from pathlib import Path

import pytest
from trafilatura.utils import load_html

from rag.corpus.loaders.feeds import FeedLoader
from rag.corpus.loaders.html import HtmlLoader
from rag.corpus.loaders.html_page import page_facts
from rag.corpus.loaders.jsonl import JsonLinesLoader
from rag.corpus.loaders.pdf import PdfLoader
from rag.corpus.metadata import Metadata
from rag.corpus.tidy import site_suffix, split_authors, tidy
from tests import formats


@pytest.mark.parametrize(
    ("title", "outlet", "url", "expected"),
    [
        ("Trump's team rejects report | CNN Politics", "CNN", None, "Trump's team rejects report"),
        ("Kremlin denies claims -- Sott.net", None, None, "Kremlin denies claims"),
        ("Seoul to expand aid | Yonhap News Agency", "Yonhap", None, "Seoul to expand aid"),
        ("习近平会见外国领导人-新华网", "新华网", None, "习近平会见外国领导人"),
        (
            "Storm closes harbour - Dunmore Echo",
            None,
            "https://www.dunmoreecho.example/a",
            "Storm closes harbour",
        ),
        ("Fact check: what the minister said", "CNN", None, "Fact check: what the minister said"),
        (
            "Noticias en Español - The New York Times",
            None,
            "https://nytimes.com/es/",
            "Noticias en Español",
        ),
        ("Harbour reopens | Cable News Network", None, "https://cnn.com/a", "Harbour reopens"),
        (
            "Weekly Edition for March 26, 2015 [LWN.net]",
            None,
            None,
            "Weekly Edition for March 26, 2015",
        ),
        (
            "海外留学生看两会：出国前后关注点大不同_教育频道_中国青年网",
            None,
            None,
            "海外留学生看两会：出国前后关注点大不同",
        ),
        ("Harbour reopens - Politics - Dunmore Echo", "Dunmore Echo", None, "Harbour reopens"),
        (
            "Harbour reopens - after nine days - Dunmore Echo",
            "Dunmore Echo",
            None,
            "Harbour reopens - after nine days",
        ),
        ("New Study - a harbour", None, "https://news.example/a", "New Study - a harbour"),
        ("Harbour reopens - after nine days", None, None, "Harbour reopens - after nine days"),
    ],
)
def test_site_names_are_cut_from_titles(
    title: str, outlet: str | None, url: str | None, expected: str
) -> None:
    assert site_suffix(title, outlet, url)[0] == expected


def test_tidy_keeps_the_raw_title_and_learns_the_outlet_from_a_domain() -> None:
    meta = tidy(Metadata(title="Kremlin denies claims -- Sott.net"))
    assert (meta.title, meta.title_raw, meta.outlet) == (
        "Kremlin denies claims",
        "Kremlin denies claims -- Sott.net",
        "Sott.net",
    )
    assert tidy(meta) == meta


@pytest.mark.parametrize(
    ("raw", "outlet", "expected"),
    [
        (
            "Nick Ames (now), Ed Aarons and Ben Fisher (earlier)",
            None,
            ("Nick Ames, Ed Aarons, Ben Fisher", None),
        ),
        ("Condé Nast; Tom Bennett", "Condé Nast", ("Tom Bennett", "Condé Nast")),
        ("By Emma Farge", None, ("Emma Farge", None)),
        ("Associated Press", None, (None, "Associated Press")),
        ("desk@morrow.example (Sam Reid)", None, (None, None)),
        ("Aleš Vávra před 2 hodinami", None, ("Aleš Vávra", None)),
        ("Ben Silverman Games Editor", None, ("Ben Silverman", None)),
        ("bell hooks", None, ("bell hooks", None)),
        ("Nikhil Marathe", None, ("Nikhil Marathe", None)),
        ("Ann Fields, Theresa May", None, ("Ann Fields, Theresa May", None)),
        ("Joshua Sokol May", None, ("Joshua Sokol", None)),
        ("Joe Wee Monday, February 29, 2016", None, ("Joe Wee", None)),
        (
            "Martin Untersinger (avec Damien Leloup et Morgane Tual)",
            None,
            ("Martin Untersinger, Damien Leloup, Morgane Tual", None),
        ),
        ("By ROBERT BURNS, AP National Security Writer", None, ("Robert Burns", None)),
        ("Ann Fields, Ben Silverman Games Editor", None, ("Ann Fields, Ben Silverman", None)),
        ("Analysis by Chris Cillizza, CNN Business", "CNN", ("Chris Cillizza", "CNN Business")),
        ("Par Sébastien Farcis", None, ("Sébastien Farcis", None)),
        ("Publicado por: Clarissa Borba", None, ("Clarissa Borba", None)),
        ("Текст: Лида Буслаева", None, ("Лида Буслаева", None)),
        (
            "Tanza Loudenback, Business Insider",
            "Business Insider Deutschland",
            ("Tanza Loudenback", "Business Insider"),
        ),
        ("Textor Bell", None, ("Textor Bell", None)),
        ("Ursula von der Leyen", None, ("Ursula von der Leyen", None)),
        (
            "by Eleanor Ainge Roy (reporting) and Adrian Malloch (photography)",
            None,
            ("Eleanor Ainge Roy", None),
        ),
    ],
)
def test_authors_are_people(raw: str, outlet: str | None, expected: tuple) -> None:
    assert split_authors(raw, outlet) == expected


@pytest.mark.parametrize(
    ("outlet", "expected"),
    [
        ("Aktuálně.cz - Víte, co se právě děje", "Aktuálně.cz"),
        ("Spiceworks Inc", "Spiceworks"),
        ("SIMPLYFOUND.COM | BY: JOE WEE", "SIMPLYFOUND.COM"),
        ("The Dunmore Echo", "The Dunmore Echo"),
        ("Science - Health - Weather", "Science - Health - Weather"),
    ],
)
def test_an_outlet_is_its_name_without_a_slogan_or_company_form(outlet: str, expected: str) -> None:
    assert tidy(Metadata(title="Harbour reopens", outlet=outlet)).outlet == expected


def test_an_outlet_is_never_the_article_title() -> None:
    meta = tidy(Metadata(title="Harbour reopens after storm", outlet="Harbour reopens after storm"))
    assert meta.outlet is None


def test_feed_entries_lose_repeated_lines_keep_headlines_and_read_dates_in_the_feeds_language() -> (
    None
):
    docs = FeedLoader().load("folha.xml", Path("folha.xml"), formats.portuguese_feed())
    assert [d.doc_id for d in docs] == [
        "folha.xml#n0",
        "folha.xml#n1",
        "folha.xml#n2",
        "folha.xml#n9",
    ]
    first = docs[0]
    assert "Continue reading" not in first.text and "Assine a newsletter" not in first.text
    assert "0 novas vagas" in first.text
    assert first.metadata.published == "2018-09-24"
    assert first.metadata.author == "Nick Ames, Ed Aarons, Ben Fisher"
    assert docs[-1].text == "Ponte reaberta ao trânsito"  # a headline-only entry is its headline


def test_json_exports_of_common_scrapers_keep_date_outlet_and_authors() -> None:
    newspaper = {
        "title": "Harbour reopens after storm | Dunmore Echo",
        "text": "The harbour of Port Ellis reopened on Monday after a storm closed it.",
        "authors": ["Ann Fields", "Dunmore Echo Staff"],
        "publish_date": "2016-12-18T00:00:00",
        "meta_site_name": "Dunmore Echo",
        "canonical_link": "https://echo.example/harbour",
        "meta_lang": "en",
    }
    news_please = {
        "title": "Ponte reaberta",
        "maintext": "A ponte foi reaberta ao trânsito na segunda-feira depois de obras.",
        "date_publish": "2018-09-24 10:00:00",
        "source_domain": "folharegional.example",
        "authors": [],
        "language": "pt",
    }
    schema_org = {
        "headline": "Seagrass recovers",
        "articleBody": "Seagrass now covers 14 hectares of the bay floor, divers found.",
        "datePublished": "2024-04-01",
        "author": {"@type": "Person", "name": "Priya Nair"},
        "publisher": {"@type": "Organization", "name": "Coastal Science Digest"},
    }
    data = json.dumps([newspaper, news_please, schema_org]).encode()
    docs = JsonLinesLoader().load("export.json", Path("export.json"), data)
    meta = [
        (d.metadata.title, d.metadata.published, d.metadata.author, d.metadata.outlet) for d in docs
    ]
    assert meta == [
        ("Harbour reopens after storm", "2016-12-18", "Ann Fields", "Dunmore Echo"),
        ("Ponte reaberta", "2018-09-24", None, "folharegional.example"),
        ("Seagrass recovers", "2024-04-01", "Priya Nair", "Coastal Science Digest"),
    ]
    assert docs[0].metadata.url == "https://echo.example/harbour"


def test_a_printed_page_takes_its_byline_and_date_from_the_text_not_the_print_date() -> None:
    page = (
        "Menu\nWorld\nPolitics\nVideo\nTrump transition team rejects intelligence report\n"
        "By Eric Bradner, CNN\nUpdated 10:02 PM ET, Sun December 18, 2016\n"
        "Washington (CNN) The transition team rejected the report on Sunday, aides said."
    )
    (doc,) = PdfLoader().load("printed.pdf", Path("printed.pdf"), formats.pdf_report([page], None))
    assert doc.metadata.published == "2016-12-18"
    assert (doc.metadata.author, doc.metadata.outlet) == ("Eric Bradner", "CNN")


def test_a_page_is_dated_by_its_byline_not_by_an_embedded_video_or_an_update() -> None:
    story = " ".join(["The harbour reopened on Monday after nine days of repairs."] * 8)
    page = (
        '<html><head><meta itemprop="datePublished" content="2015-03-12T13:11:07Z"></head><body>'
        "<div class='video'><h3>Seals return</h3>"
        '<meta itemprop="datePublished" content="2015-03-12T13:11:07Z"></div>'
        "<article><h1>Harbour reopens</h1><p class='byline'>By Ann Fields</p>"
        "<span>Last updated:</span> <time datetime='2015-04-02T09:00:00Z'>April 2, 2015</time> "
        "<abbr>March 11, 2015 3:46 PM</abbr>"
        f"<p>{story}</p></article></body></html>"
    ).encode()
    (doc,) = HtmlLoader().load("harbour.html", Path("harbour.html"), page)
    assert doc.metadata.published == "2015-03-11"


def test_a_heading_no_title_of_the_page_contains_is_not_the_article_title() -> None:
    page = (
        "<html><head><title>Superbugs: What They Are - WebMD</title>"
        '<meta property="og:title" content="Superbugs: What They Are"></head><body></body></html>'
    )
    facts = page_facts(load_html(page), None)
    assert facts.head_titles == ("Superbugs: What They Are", "Superbugs: What They Are - WebMD")
    assert facts.title_for("Information and Resources") == "Superbugs: What They Are"
    assert facts.title_for("Superbugs: what they are") == "Superbugs: what they are"
    assert page_facts(load_html("<html><body><h1>A</h1></body></html>"), None).title_for("B") == "B"
