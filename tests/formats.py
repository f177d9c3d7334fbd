"""Files of every format a newsroom's archive holds, built by the tests themselves."""

import json
import os
from email.message import EmailMessage
from pathlib import Path

CHROME = """<!doctype html><html><head>
<title>Harbour ferry returns after storm | Kestrel Gazette</title>
<meta property="og:title" content="Harbour ferry returns after storm">
<meta name="author" content="Leona Pratt">
<meta property="article:published_time" content="2024-03-05T09:00:00Z">
<meta property="og:site_name" content="Kestrel Gazette">
<link rel="canonical" href="https://gazette.example/news/harbour-ferry">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-notice">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<div class="share-bar">Share on Facebook | Share on Twitter | Email this story</div>
<main><article>
<h1>Harbour ferry returns after storm</h1>
<p class="byline">By Leona Pratt</p>
<p>The Kestrel Bay ferry resumed its crossings on Tuesday, eleven days after Storm Idris tore
away part of the pier and left the island of Morrow cut off from the mainland.</p>
<p>Harbour master Tomas Quill said the repairs had cost 40,000 pounds, paid from the council's
emergency reserve, and that the first crossing carried 212 passengers and a mail van.</p>
<p>Islanders had relied on a fishing boat chartered by the council for medicine and post while
the pier was closed. The ferry operator said the timetable would be back to normal by Friday.</p>
</article></main>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Storm Idris: the clean-up
begins</a></li><li><a href="/b">Council sets emergency budget</a></li></ul></aside>
<section class="comments"><h3>Comments</h3><div class="comment">Brilliant news for the
island!! - Bob from Morrow</div><div class="comment">About time too. - Jean</div></section>
<footer><p>© 2024 Kestrel Gazette. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""

WIRE = (
    "Rail strike called off after late pay offer\n\n"
    "GLASGOW, March 7, 2024 (Reuters) - Train drivers called off Monday's strike after the "
    "operator raised its pay offer to 6.5 percent over two years, the union said on Thursday. "
    "The union's executive accepted the offer after a meeting that ran late into the night, "
    "and members will vote on it next month. Services across the network will run as normal, "
    "the operator said, and passengers who bought refundable tickets can keep them.\n"
)


ARTICLES = {
    "harbour.txt": "Harbour ferry returns after storm\n\nThe Kestrel Bay ferry resumed its "
    "crossings on Tuesday after Storm Idris damaged the pier. Harbour master Leona Pratt said "
    "the repairs cost 40,000 pounds and took eleven days.\n",
    "council.txt": "Council approves new library\n\nThe Dunmore town council voted 7-2 to build "
    "a library on Mill Street, paid for by a heritage grant. Construction starts in March.\n",
    "sport/rovers.md": "Rovers match moved to Harlow Park\n\nThe Dunmore Rovers home match "
    "against Ashby will be played at Harlow Park, because the pitch at Green Lane is "
    "waterlogged after a week of rain.\n",
}
BEEKEEPER = (
    "Beekeepers report record honey harvest\n\nMembers of the Fenwick Beekeepers Association "
    "collected 2.3 tonnes of heather honey this season, the most since the club began in 1921. "
    "The chairwoman, Morag Ellis, credited a warm August and the new hives on the moor above "
    "the village.\n\nThe association will sell jars at the autumn fair, with the proceeds going "
    "to the village school.\n"
)


def write_corpus(root: Path, articles: dict[str, str] = ARTICLES) -> None:
    for name, text in articles.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def html_page() -> str:
    return CHROME


SAFETY_PAGES = [
    "Annual Port Safety Report. Reported incidents in the harbour fell to 14 in 2023 from 22 "
    "the year before, the lowest number since the board began keeping records. Most of the "
    "fall came from fewer slips and falls on the quayside after new lighting was fitted along "
    "the east wall, and from the closure of the old fuel berth. Two incidents involved "
    "visiting yachts that ignored the speed limit in the inner basin; both skippers were "
    "fined. Staff training hours rose by a third, and every crane driver now holds the new "
    "national certificate.",
    "Mooring lines parted twice during Storm Idris, on the night the pier was damaged. The "
    "first line belonged to the island ferry, which was moved to the lee of the breakwater "
    "before the second high tide; the second held a fishing trawler that drifted into the "
    "pontoon and broke two of its cleats. No one was hurt in either incident. The board found "
    "that both lines were older than the recommended service life and has written to every "
    "berth holder asking for replacement certificates.",
    "The board recommends replacing the pier fenders before next winter, at an estimated cost "
    "of 85,000 pounds, and fitting tide gauges that send alerts to the harbour office. It also "
    "asks the council to fund a second patrol boat for the summer season, when visiting craft "
    "double the traffic in the bay. These recommendations will be discussed at the board's "
    "meeting in June, and the harbour master will report on progress in the autumn.",
]


FILLER = [
    "Section {n} also lists the inspections carried out during the year: {k} routine checks of "
    "the quay walls, the slipway and the lifting gear, each logged with its date, its inspector "
    "and the defects found. Minor defects were repaired within a week in all but three cases, "
    "which waited for parts from the mainland. The log is kept in the harbour office and can be "
    "read by any berth holder on request. ",
    "The appendix to section {n} gives the weather record for the period, {k} days with gales "
    "among them, and compares it with the ten-year average kept by the coastguard station on the "
    "headland. Wind speeds above fifty knots were recorded on four nights. ",
]


def _long(page: str, n: int) -> str:
    """A page of realistic length: the finding, then the routine matter reports are full of."""
    return page + " " + "".join(f.format(n=n, k=n * 7 + i) for i, f in enumerate(FILLER * 2))


def pdf_report(pages: list[str], title: str | None = "Annual Port Safety Report") -> bytes:
    """A real PDF with a text layer, one string a page (fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_author("Port Safety Board")
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def pdf_scan() -> bytes:
    """A PDF page with only a drawing: no text layer, as a scanned page has."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def pdf_locked() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Confidential budget figures for the harbour repairs.")
    return bytes(pdf.output())


def jsonl_dump() -> str:
    records = [
        {"id": "a1", "headline": "Mill Street library approved", "body": "The Dunmore council "
         "voted 7-2 to build a library on Mill Street, paid for by a heritage grant of 1.2 "
         "million pounds. Construction starts in March and should take fourteen months.",
         "pubDate": "Tue, 12 Mar 2024 08:30:00 GMT", "byline": "Ann Fields",
         "source": {"name": "Dunmore Echo"}, "link": "https://echo.example/library"},
        {"id": "a2", "title": "Beekeepers report record harvest", "content": "Members of the "
         "Fenwick Beekeepers Association collected 2.3 tonnes of heather honey this season, "
         "the most since the club began in 1921.", "published": "2023-09-30",
         "author": ["Morag Ellis", "Ian Shaw"], "outlet": "Fenwick Times"},
        {"id": "a3", "title": "Photo gallery: spring lambs", "image": "lambs.jpg"},
    ]  # fmt: skip
    return "\n".join(json.dumps(r) for r in records) + "\n{not json\n"


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Morrow Island News</title>
<link>https://morrow.example</link><description>News from Morrow</description>
<item><title>Ferry timetable back to normal</title><link>https://morrow.example/ferry</link>
<guid>morrow-ferry-1</guid><pubDate>Fri, 15 Mar 2024 07:00:00 GMT</pubDate>
<author>desk@morrow.example (Sam Reid)</author>
<description><![CDATA[<p>The Kestrel Bay ferry ran its full <b>timetable</b> on Friday for the first
time since Storm Idris, the operator said, with six crossings a day until the summer season
begins in May.</p>]]></description></item>
<item><title>School roof fund reaches target</title><link>https://morrow.example/roof</link>
<guid>morrow-roof-2</guid><pubDate>Mon, 18 Mar 2024 09:00:00 GMT</pubDate>
<description>The village fete raised the last 1,700 pounds needed to repair the school roof
before the autumn term, the head teacher said.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Coastal Science Digest</title><id>urn:coastal</id><updated>2024-04-02T10:00:00Z</updated>
<entry><title>Seagrass meadows recover in Kestrel Bay</title><id>urn:coastal:seagrass</id>
<link href="https://coastal.example/seagrass"/><updated>2024-04-02T10:00:00Z</updated>
<published>2024-04-01T10:00:00Z</published><author><name>Dr Priya Nair</name></author>
<content type="html">&lt;p&gt;Surveys by divers found that seagrass now covers 14 hectares of
the bay floor, twice the area mapped in 2019, after moorings were moved away from the
shallows.&lt;/p&gt;</content></entry></feed>"""


def newsletter() -> bytes:
    """A newsletter with a plain-text and an HTML part."""
    message = EmailMessage()
    message["From"] = "The Harbour Brief <brief@harbour.example>"
    message["To"] = "reader@example.org"
    message["Subject"] = "Harbour Brief: dredging contract awarded"
    message["Date"] = "Wed, 10 Apr 2024 06:00:00 +0000"
    message["List-Archive"] = "<https://harbour.example/brief/2024-04-10>"
    text = (
        "The port authority awarded the dredging contract to Tidewater Marine for 3.4 million "
        "pounds. Work on the main channel starts in June and lasts nine weeks."
    )
    message.set_content(text)
    message.add_alternative(
        f"<html><body><div class='header'>The Harbour Brief</div><p>{text}</p>"
        "<p><a href='https://harbour.example/unsubscribe'>Unsubscribe</a></p></body></html>",
        subtype="html",
    )
    return bytes(message)


def syndicated_pair() -> tuple[str, str]:
    """One wire story as two outlets ran it: a new headline line and a sentence cut."""
    second = WIRE.replace(
        "Rail strike called off after late pay offer", "Drivers cancel Monday strike"
    ).replace(" and passengers who bought refundable tickets can keep them", "")
    return WIRE, second


def mixed_folder(root: Path) -> None:
    """A folder holding one file of every supported format, and some that cannot be read."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "gazette-harbour.html").write_text(CHROME, encoding="utf-8")
    pages = [_long(page, n) for n, page in enumerate(SAFETY_PAGES, start=1)]
    (root / "safety-report.pdf").write_bytes(pdf_report(pages))
    (root / "scan.pdf").write_bytes(pdf_scan())
    (root / "locked.pdf").write_bytes(pdf_locked())
    (root / "dump.jsonl").write_text(jsonl_dump(), encoding="utf-8")
    (root / "morrow.rss").write_text(RSS, encoding="utf-8")
    (root / "coastal.atom").write_text(ATOM, encoding="utf-8")
    (root / "brief.eml").write_bytes(newsletter())
    first, second = syndicated_pair()
    (root / "wire-herald.txt").write_text(first, encoding="utf-8")
    (root / "wire-courier.txt").write_text(second, encoding="utf-8")


def make_messy_corpus(root: Path, outside: Path) -> None:
    """A corpus with one good file of each kind and one bad file of each kind."""
    (root / "sub").mkdir(parents=True)
    (root / "good.txt").write_text(
        "Port Authority Approves New Ferry Terminal\n\nThe board voted.\n"
    )
    (root / "sub" / "crlf.md").write_bytes("\ufeffLine one.\r\nLine two.\r\n".encode())
    (root / "latin1.txt").write_bytes("Caf\xe9 owners protest".encode("latin-1"))
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_text("  \n\n")
    (root / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00binary")
    (root / "image.png").write_bytes(b"\x89PNG")
    outside.write_text("Secret file outside the corpus.\n")
    os.symlink(outside, root / "escape.txt")


FEED = """<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>
<title>Folha Regional</title><language>pt-br</language>
{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><guid>n{n}</guid><pubDate>{date}</pubDate>
<author>{author}</author><description><![CDATA[{body}]]></description></item>"""


def portuguese_feed() -> bytes:
    """A Latin-1 feed in Portuguese: a boilerplate tail on every entry, a feed author written
    as a sentence, dates only a Portuguese reader parses, and a headline-only entry."""
    bodies = [
        f"<p>A prefeitura abriu {n} novas vagas na creche municipal nesta semana.</p>"
        "<p>Continue reading...</p><p>Assine a newsletter da Folha Regional</p>"
        for n in range(3)
    ]
    items = [
        ITEM.format(
            title=f"Creche abre vagas {n}",
            n=n,
            date="Seg, 24 Set 2018 10:00:00 -0300",
            author="Nick Ames (now), Ed Aarons and Ben Fisher (earlier)",
            body=body,
        )
        for n, body in enumerate(bodies)
    ]
    items.append(ITEM.format(title="Ponte reaberta ao trânsito", n=9, date="", author="", body=""))
    return FEED.format(items="".join(items)).encode("latin-1")


def homepage(headlines: int = 30) -> str:
    """A news site's front page: headline links and teasers, no article of its own."""
    items = "".join(
        f'<li><a href="/2024/03/{n:02d}/story-{n}">Harbour story number {n} makes the news today '
        f"in Port Ellis</a><p>Teaser {n}.</p></li>"
        for n in range(headlines)
    )
    return (
        '<html><head><title>Port Ellis Gazette</title><meta property="og:type" content="website">'
        '<meta property="og:url" content="https://www.gazette.example/">'
        '<meta property="og:site_name" content="Port Ellis Gazette"></head>'
        f"<body><h1>Port Ellis Gazette</h1><ul>{items}</ul></body></html>"
    )


PROMO = "The Kestrel Gazette is owned by its readers and answers to nobody else on the coast."
STORIES = [
    (
        "Harbour ferry returns after storm",
        "The ferry resumed its crossings on Tuesday, eleven "
        "days after Storm Idris tore away part of the pier and cut off the island of Morrow.",
    ),
    (
        "Council sets emergency budget",
        "Councillors approved a reserve of 40,000 pounds for "
        "storm repairs on Wednesday, after a debate that ran late into the evening.",
    ),
    (
        "Lifeboat crew honoured for rescue",
        "Five volunteers who pulled two anglers from the sea "
        "off Kestrel Head in January received bravery awards from the lifeboat charity.",
    ),
]


def outlet_page(title: str, body: str, host: str = "gazette.example", promo: str = PROMO) -> str:
    """A saved article page whose outlet prints the same promo line inside every article."""
    slug = title.lower().replace(" ", "-")
    return f"""<!doctype html><html><head><title>{title}</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2024-03-05T09:00:00Z">
<link rel="canonical" href="https://{host}/news/{slug}">
</head><body><main><article><h1>{title}</h1>
<p>{body} Officials said more would be known once the inspection reports were published.</p>
<p>{promo}</p>
<p>Residents said they were relieved to hear that "{title.lower()}", and several thanked the
crews who had worked through the weekend.</p>
</article></main></body></html>"""
