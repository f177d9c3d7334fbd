"""A page whose precise extraction stops early is read again by readability, and only then."""

import gzip
from pathlib import Path

from rag.corpus.loaders.html import HtmlLoader
from rag.corpus.loaders.html_fuller import fuller

PAGES = Path(__file__).parents[2] / "eval" / "datasets" / "extraction" / "html"
STORY = [
    f"Paragraph {i} of the harbour story says the repairs took nine more days." for i in range(12)
]


def _page(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><body><article><h1>Harbour</h1>{body}</article></body></html>"


def test_a_reading_cut_short_gives_way_to_readabilitys_fuller_one() -> None:
    html = _page(STORY)
    first = "\n".join(STORY[:4])
    read = fuller(html, first, (), paragraph_words=12 * 12)
    assert read.split("\n")[-len(STORY) :] == STORY  # after the headline


def test_ours_stays_when_the_other_reading_is_not_twice_as_long_or_does_not_hold_ours() -> None:
    html = _page(STORY)
    most = "\n".join(STORY[:8])
    assert fuller(html, most, (), paragraph_words=12 * 12) == most
    other = "\n".join(
        f"A different story, line {i}, about the county fair and its prize pigs." for i in range(4)
    )
    assert fuller(html, other, (), paragraph_words=12 * 12) == other
    first = "\n".join(STORY[:4])
    assert fuller(html, first, (), paragraph_words=60) == first  # the page has no more to give
    assert fuller(html, "Harbour.", (), paragraph_words=12 * 12) == "Harbour."  # nothing to extend


def test_a_real_page_cut_short_is_indexed_whole() -> None:
    """Wired's "The future of banking is you're broke": trafilatura's precise reading stops
    after about 580 of its 1,300 words; the loader's text view holds the ending too."""
    path = next(PAGES.glob("2f42ef1d3ea0*.html.gz"))
    (doc,) = HtmlLoader().load("wired.html", Path("wired.html"), gzip.decompress(path.read_bytes()))
    assert "When it comes to the actual sickness, you’re still on your own." in doc.text
    assert len(doc.text.split()) > 1200
