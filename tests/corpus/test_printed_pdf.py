"""A news page printed to PDF from a browser, built here from a real saved page (Engadget's Xbox
One X review): the browser's header and footer, a video player's labels, comment buttons in two
languages and copyright lines stay out of the text; the title loses the site's name, which
becomes the outlet; the date under the headline is the publication date; the printed address
is the URL. Checked over HTTP, as a reader of the archive sees it."""

from pathlib import Path

import httpx

from api.app import create_app
from rag.corpus.loaders.html import extract_html
from rag.service import RagService
from tests.conftest import ROOT, indexed
from tests.server import serve

PAGE = ROOT / "eval" / "datasets" / "news" / "engadget.html"
HEADLINE = "Xbox One X review: A console that keeps up with gaming PCs"
ADDRESS = "https://www.engadget.com/2017-11-03-xbox-one-x-review.html"
CHROME = [
    "Play Video",
    "Current Time 0:00",
    "Duration 2:31",
    "1x Playback Rate",
    "Kommentare (12)",
    "Commentaires",
    "(c)2017 Oath Tech Network. All rights reserved.",
    "Tous droits reserves.",
]


def paragraphs() -> list[str]:
    text, _ = extract_html(PAGE.read_bytes())
    return [p for p in text.split("\n") if len(p.split()) > 6][:12]


def printed_pdf() -> bytes:
    """Two sheets as Chrome prints them: stamp and title on top, address and count below."""
    from fpdf import FPDF

    kept = paragraphs()
    sheets = [
        [HEADLINE, "Devindra Hardawar | November 3, 2017", *CHROME[:4], *kept[:6], CHROME[4]],
        [*kept[6:], CHROME[5], CHROME[6], CHROME[7]],
    ]
    pdf = FPDF()
    pdf.set_title(f"{HEADLINE} | Engadget")
    pdf.set_font("helvetica", size=10)
    for n, lines in enumerate(sheets, start=1):
        pdf.add_page()
        pdf.cell(
            0, 6, f"12/18/21, 10:05 AM    {HEADLINE} | Engadget", new_x="LMARGIN", new_y="NEXT"
        )
        for line in lines:
            text = line.encode("latin-1", "replace").decode("latin-1")
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 6, f"{ADDRESS}    {n}/{len(sheets)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_a_printed_news_page_keeps_the_article_and_loses_the_print_and_site_chrome(
    seed_service: RagService, tmp_path: Path
) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "xbox.pdf").write_bytes(printed_pdf())
    service = indexed(seed_service, tmp_path)
    with serve(create_app(service.settings, service)) as url:
        (doc,) = httpx.get(f"{url}/documents").json()["documents"]
        text = httpx.get(f"{url}/documents/xbox.pdf").json()["text"]
    article = doc["articles"][0]
    assert article["title"] == HEADLINE
    assert (article["outlet"], article["published"]) == ("Engadget", "2017-11-03")
    assert article["url"] == ADDRESS
    for line in [*CHROME, "12/18/21, 10:05 AM", ADDRESS, "1/2", "2/2"]:
        assert line not in text, line
    words = " ".join(text.split())
    assert all(" ".join(p.split())[:60] in words for p in paragraphs()) and len(doc["pages"]) == 2
