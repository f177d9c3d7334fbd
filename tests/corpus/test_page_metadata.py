"""What a saved web page says about itself: the day shown under its headline, its own title,
the site's name as it goes by, every author it names, and whether it is an article at all."""

from pathlib import Path

import pytest
from trafilatura.utils import load_html

from rag.corpus.loaders.html import HtmlLoader
from rag.corpus.loaders.html_page import page_facts
from rag.corpus.metadata import Metadata


def _page(head: str, body: str) -> Metadata:
    (doc,) = HtmlLoader().load(
        "p.html", Path("p.html"), f"<html><head>{head}</head><body>{body}</body></html>".encode()
    )
    return doc.metadata


STORY = (
    "<p>" + " ".join(["The harbour reopened on Monday after nine days of repairs."] * 8) + "</p>"
)


def test_the_day_a_reader_is_shown_beats_the_machine_stamp_under_the_headline() -> None:
    """NBC's <time datetime=update>Dec. 6</time>; Yahoo's UTC stamp a day before the shown day."""
    meta = _page(
        "<title>Harbour reopens</title>",
        "<article><h1>Harbour reopens</h1><p>By Ann Fields</p>"
        "<time datetime='2024-12-07T12:43:39Z'>Dec. 6, 2024, 10:00 PM UTC</time>"
        f"{STORY}</article>",
    )
    assert meta.published == "2024-12-06"


def test_a_site_wide_social_title_gives_way_to_the_pages_own_and_the_byline_makes_it_an_article() -> (
    None
):
    links = "".join(
        f"<li><a href='/s{i}'>Another story about the harbour number {i}</a></li>"
        for i in range(40)
    )
    meta = _page(
        '<meta property="og:title" content="Echo News - Latest News &amp; Headlines">'
        '<meta name="application-name" content="Echo News - Latest News &amp; Headlines">'
        "<title>Harbour reopens after storm</title>",
        f"<h1>Harbour reopens after storm</h1><div>ANN FIELDS</div><time>December 2, 2016</time>"
        f"{STORY}<ul>{links}</ul>",
    )
    assert (meta.title, meta.published, meta.page) == (
        "Harbour reopens after storm",
        "2016-12-02",
        "article",
    )


def test_a_languages_front_page_is_a_listing_even_when_it_claims_to_be_an_article() -> None:
    meta = _page(
        '<meta property="og:type" content="article"><meta property="og:url" content="https://www.nytimes.com/es/">'
        "<title>Noticias en Español - The New York Times</title>",
        STORY,
    )
    assert (meta.page, meta.outlet, meta.title) == (
        "listing",
        "The New York Times",
        "Noticias en Español",
    )


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [  # the site's name as the page gives it, not as trafilatura makes it from the address
        (
            '<meta property="og:url" content="https://dropbox.tech/a"><title>Async tasks at scale - Dropbox</title>',
            "",
            "Dropbox",
        ),
        (
            '<meta property="og:site_name" content="Le Monde.fr"><title>Harbour reopens</title>',
            "<p>Le Monde and Le Monde again, as Le Monde says.</p>",
            "Le Monde",
        ),
        (
            '<meta property="og:site_name" content="Space.com"><title>Harbour reopens</title>',
            "<p>Space Space Space</p>",
            "Space.com",
        ),
        (
            '<meta property="og:site_name" content="Aktuálně.cz"><title>Harbour reopens</title>',
            "<p>Aktuálně</p>",
            "Aktuálně.cz",
        ),
        (
            '<meta property="og:site_name" content="The Jerusalem Post | JPost.com"><title>Harbour reopens</title>',
            "",
            "The Jerusalem Post",
        ),
        (
            '<meta property="og:url" content="https://www.barrons.com/a">'
            '<meta name="application-name" content="BarronsOnline">'
            "<title>Harbour reopens - Barron's</title>",
            "",
            "Barron's",
        ),
        (
            '<meta property="og:url" content="https://www.dunmoreecho.com/a">'
            '<meta property="og:site_name" content="Copyright 2014">'
            "<title>Harbour reopens | Dunmore Echo</title>",
            "",
            "Dunmore Echo",
        ),
    ],
)
def test_the_outlet_is_the_name_the_site_goes_by(head: str, body: str, expected: str) -> None:
    assert _page(head, f"<h1>Harbour reopens</h1>{body}{STORY}").outlet == expected


def test_every_author_schema_org_lists_is_kept_but_none_is_invented() -> None:
    ld = (
        '<script type="application/ld+json">//<![CDATA[\n{"@type": "NewsArticle", "author": '
        '[{"@type": "Person", "name": "Alexandre Hervaud"}, {"@type": "Person", "name": "Jérémy Piette"}]}\n//]]></script>'
    )
    byline = '<meta name="author" content="Alexandre Hervaud">'
    assert _page(
        f"{ld}{byline}<title>Harbour reopens</title>", f"<h1>Harbour reopens</h1>{STORY}"
    ).author == ("Alexandre Hervaud, Jérémy Piette")
    condé = '<meta name="author" content="Condé Nast; Louise Matsakis">' + ld.replace(
        "Alexandre Hervaud", "Louise Matsakis"
    ).replace(', {"@type": "Person", "name": "Jérémy Piette"}', "")
    assert (
        _page(f"{condé}<title>Harbour</title>", f"<h1>Harbour</h1>{STORY}").author
        == "Louise Matsakis"
    )
    by_line = "<h1>Harbour reopens</h1><div><div>By DANICA KIRKA and JILL LAWLESS</div><div>AP</div></div>"
    two = '<meta name="author" content="DANICA KIRKA; JILL LAWLESS Associated Press">'
    assert (
        _page(f"{two}<title>Harbour reopens</title>", f"{by_line}{STORY}").author
        == "Danica Kirka, Jill Lawless"
    )
    org = ld.replace("Alexandre Hervaud", "Al Jazeera").replace(
        ', {"@type": "Person", "name": "Jérémy Piette"}', ""
    )
    assert (
        _page(f"{org}<title>Harbour reopens</title>", f"<h1>Harbour reopens</h1>{STORY}").author
        is None
    )


def test_a_shown_byline_naming_more_people_than_schema_org_adds_them() -> None:
    """Space.com: schema.org names one author, the byline under the headline two, each in its
    own linked element, then the section."""
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": '
        '{"@type": "Person", "name": "Tariq Malik"}}</script>'
    )
    byline = (
        '<p class="byline"> By <span class="by-author"><a rel="author" href="/a/tm">Tariq Malik'
        '</a>, </span><span class="by-author"><a rel="author" href="/a/mw">Mike Wall</a></span> '
        "<time>2019-11-18</time> <a href='/spaceflight'>Spaceflight</a></p>"
    )
    meta = _page(f"{ld}<title>Harbour reopens</title>", f"<h1>Harbour reopens</h1>{byline}{STORY}")
    assert meta.author == "Tariq Malik, Mike Wall"


def test_a_site_name_that_is_a_section_loses_to_the_title_naming_the_host() -> None:
    """Reuters' og:site_name is "U.S."; trafilatura's "Reuters" matches only the address."""
    head = (
        '<meta property="og:url" content="https://www.reuters.com/a">'
        '<meta property="og:site_name" content="U.S."><title>Oil drifts lower - Reuters</title>'
    )
    facts = page_facts(load_html(f"<html><head>{head}</head><body></body></html>"), None)
    assert facts.outlet("Reuters", None) == "Reuters"
    assert facts.outlet("Dunmore Echo", None) == "Dunmore Echo"


@pytest.mark.parametrize(
    ("lang", "shown", "expected"),
    [
        ("en-US", "3/09/15 8:00am", "2015-03-09"),  # Lifehacker: American order
        ("en-GB", "3/09/15 8:00am", "2015-09-03"),
        ("fr", "25/04/2015", "2015-04-25"),
        (None, "3/09/15", None),  # no language, no telling
        (None, "25/04/2015", "2015-04-25"),  # plain either way
    ],
)
def test_a_date_in_figures_is_read_in_the_pages_own_order(
    lang: str | None, shown: str, expected: str | None
) -> None:
    html = f"<html{f' lang={lang!r}' if lang else ''}><head><title>Harbour reopens</title></head><body>"
    html += f"<h1>Harbour reopens</h1><span>{shown}</span>{STORY}</body></html>"
    facts = page_facts(load_html(html), None)
    assert facts.date_under("Harbour reopens") == expected


def test_an_update_stamp_labelled_inside_its_element_is_not_the_day_published() -> None:
    """Spiceworks: <div datetime=...><em>Last Updated:</em> ...</div> under the headline."""
    html = (
        "<html><body><h1>Harbour reopens</h1><div datetime='2025-01-07T09:08:22Z'><em>Last Updated:</em>"
        f" January 7, 2025</div><time datetime='2020-07-10'>July 10, 2020</time>{STORY}</body></html>"
    )
    assert page_facts(load_html(html), None).date_under("Harbour reopens") == "2020-07-10"


@pytest.mark.parametrize(
    "stamp",
    [
        "<span>November 18, 2019 at 2:26 PM HST - Updated November 19 at 4:46 AM</span>",
        "<time datetime='2019-11-19T02:46:42Z'>Nov. 18, 2019 | Updated Nov. 19, 2019</time>",
    ],
)
def test_the_day_before_an_update_in_one_stamp_is_the_day_published(stamp: str) -> None:
    """Hawaii News Now: "By HNN Staff | <span>November 18 … - Updated …</span>"."""
    html = f"<html><body><h1>Harbour reopens</h1><p>By Ann Fields</p>{stamp}{STORY}</body></html>"
    assert page_facts(load_html(html), None).date_under("Harbour reopens") == "2019-11-18"


def test_a_sticky_site_header_repeating_the_headline_above_todays_date_is_not_the_byline() -> None:
    """National Review and the WSJ: the header's copy of the headline, then the day's date."""
    html = (
        "<html><body><header><h1>Harbour reopens</h1><span>Nov. 20, 2019</span></header>"
        "<main><article><h1>Harbour reopens</h1><p>By Ann Fields</p>"
        f"<time>November 18, 2019 6:30 AM</time>{STORY}</article></main></body></html>"
    )
    assert page_facts(load_html(html), None).date_under("Harbour reopens") == "2019-11-18"


@pytest.mark.parametrize(
    ("url", "title", "site"),
    [
        (
            "https://www.thespacereview.com/a",
            "The Space Review: Seeking a bigger role",
            "The Space Review",
        ),
        ("https://9to5mac.com/a", "9to5Mac Gift Guide: What do you buy for them?", None),
        ("https://www.wday.ru/a", "Модель рассказала — www.wday.ru", "wday.ru"),
    ],
)
def test_a_site_named_before_a_colon_is_the_site_only_when_it_is_the_hosts_whole_name(
    url: str, title: str, site: str | None
) -> None:
    html = f'<html><head><meta property="og:url" content="{url}"><title>{title}</title></head>'
    html += f"<body><h1>Harbour reopens</h1>{STORY}</body></html>"
    assert page_facts(load_html(html), None).title_site == site


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (  # Yahoo! Japan: "<title>Story（CNET Japan） - Yahoo!ニュース"
            "<title>Harbour reopens after storm（Dunmore Echo） - Echo News</title>",
            "<article><h1>Harbour reopens after storm</h1>",
            "Harbour reopens after storm",
        ),
        (  # the story's own headline says more than the social title
            '<meta property="og:title" content="Harbour reopens"><title>Harbour reopens</title>',
            "<article><h1>Harbour reopens after nine days of repairs</h1>",
            "Harbour reopens after nine days of repairs",
        ),
        (  # a headline that does not begin like the title is some other heading
            "<title>Harbour reopens after storm</title>",
            "<h1>Dunmore Echo</h1><article><h1>Local news</h1>",
            "Harbour reopens after storm",
        ),
    ],
)
def test_the_storys_own_headline_is_the_title_where_it_begins_like_the_pages(
    head: str, body: str, expected: str
) -> None:
    assert _page(head, f"{body}{STORY}</article>").title == expected


def test_a_sign_in_widgets_username_is_no_author_the_byline_far_below_is() -> None:
    """The Washington Post: trafilatura takes the nav's "Username"; the byline is 60 elements on."""
    filler = "".join(f"<div><span>Share {i}</span></div>" for i in range(40))
    html = (
        '<html><body><nav><span class="username">Username</span></nav><h1>Harbour reopens</h1>'
        f'{filler}<div class="pb-sig-line"><span class="pb-byline">By <a href="/people/ann-fields">'
        f"Ann Fields</a></span><span>March 18, 2015</span></div>{STORY}</body></html>"
    )
    facts = page_facts(load_html(html), None)
    assert facts.authors("Username") == "By Ann Fields"
    assert page_facts(load_html(html.replace("Ann Fields", "admin")), None).authors("Admin") is None
