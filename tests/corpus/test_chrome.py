"""Site chrome is left out of the text views that passages quote; article lines stay untouched."""

from pathlib import Path

import pytest

from rag.corpus.chrome import is_chrome, repeated_lines, without_chrome
from rag.corpus.loaders.html import HtmlLoader

CHROME = [
    "More Must-Reads From TIME",
    "Loading weather data ...",
    "™ & © 2013 Cable News Network, Inc. A Time Warner Company. All rights reserved.",
    "Copyright 2024 The Associated Press. All rights reserved.",
    "| AP Photo/Uncredited |",
    "kokobj@yna.co.kr (END)",
    "Continue reading...",
    "Related: Fact check: what the minister said about the harbour",
    "Sign up here for our daily briefing",
    "Video Ad Feedback",
    "Advertisement",
    "Read more: Alibaba poised to launch record-breaking Hong Kong listing",
    "You may also like...",
    "Follow The New York Times Opinion section on Facebook, Twitter and Instagram.",
    "(Reporting by Greg Roumeliotis; editing by Martin Howell)",
    "Keith Bradsher contributed reporting from Hong Kong.",
    "Get the latest updates right in your inbox. Subscribe to our newsletters.",
    "12 comments",
    "Updated at 1:23 p.m.",
]
ARTICLE = [
    "More than 300 people were arrested in the city on Tuesday, police said.",
    "Related parties must disclose their holdings, the regulator ruled.",
    "Subscribers to the service will pay 4.2 million euros a year in total, the company said.",
    "Updated figures released on Tuesday show unemployment rose across the region in March.",
    "Follow-up tests showed no trace of the chemical in the river water downstream.",
    "The reporter, who can be reached by email, said the agency had not replied.",
    "Advertisements for the new service ran on every channel for a week in May.",
]


@pytest.mark.parametrize("line", CHROME)
def test_chrome_lines_are_recognised(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize("line", ARTICLE)
def test_article_lines_are_kept(line: str) -> None:
    assert not is_chrome(line)


def test_a_line_made_of_links_is_navigation() -> None:
    links = ["Photos: Europa, Mysterious Icy Moon of Jupiter", "Jupiter"]
    assert is_chrome("- Photos: Europa, Mysterious Icy Moon of Jupiter", links)
    assert not is_chrome("The probe flew past Jupiter and its moon Europa in 2023.", links)


def test_lines_repeated_across_a_feed_are_its_boilerplate() -> None:
    entries = [f"Story {i} happened.\nContinue reading the Daily Post" for i in range(4)]
    found = repeated_lines(entries)
    assert found == {"Continue reading the Daily Post"}
    assert without_chrome(entries[0], also=found) == "Story 0 happened."
    assert repeated_lines(entries[:2]) == frozenset()  # two entries prove nothing


PAGE = """<html><head><title>Harbour reopens after storm</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Harbour reopens after storm</h1>
<p>The harbour of Port Ellis reopened on Monday after a storm closed it for nine days, the port
authority said, and the first ferry left at dawn with 212 passengers on board.</p>
<p>Related: <a href="/a">Storm closes Port Ellis harbour for a week</a></p>
<p>Engineers repaired the breakwater, which lost 40 metres of stone in the storm, and divers
checked the channel for debris before the authority allowed ships back in.</p>
<ul><li><a href="/b">Ferry operator adds winter sailings to the islands</a></li>
<li><a href="/c">Fishing fleet counts the cost of the storm season</a></li></ul>
<p>Copyright 2024 Port Ellis Gazette. All rights reserved.</p>
</article></body></html>"""


def test_the_html_loader_leaves_chrome_out_of_the_text_view() -> None:
    (doc,) = HtmlLoader().load("harbour.html", Path("harbour.html"), PAGE.encode())
    assert "212 passengers" in doc.text and "40 metres of stone" in doc.text
    for chrome in ("Related:", "Ferry operator adds", "Fishing fleet counts", "Copyright"):
        assert chrome not in doc.text


def test_an_affiliate_line_repeated_in_a_text_article_is_no_title() -> None:
    from rag.corpus.articles import split_articles

    para = (
        "The council voted on Tuesday to rebuild the harbour wall at Port Ellis, which lost "
        "forty metres of stone in the January storm, and set aside 2.1 million pounds for it. "
    )
    advert = "We may earn a commission from links on this page"
    text = "\n\n".join(
        ["Council approves new harbour wall", "By Ann Fields", para, advert, para * 2, advert, para]
    )
    layout = split_articles(text)
    assert [a.title for a in layout.articles] == ["Council approves new harbour wall"]
    assert all(advert not in text[s.start : s.end] for s in layout.articles[0].content)
