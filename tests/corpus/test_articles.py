"""Article splitting of the seed files and of layouts the seeds do not have."""

import pytest

from rag.corpus.articles import split_articles
from tests.conftest import SEEDS, read_exact

EXPECTED_TITLES = {
    "000_a36dade95a915838.txt": ["NEWS//China strikes back"],
    "001_d16e09c9a0a6048d.txt": [
        "TikTok CEO to Visit Washington Amid Privacy Lawsuits, Censorship Fears",
        "Chinese Diplomats Take Their “Fighting Spirit” to Twitter, with Mixed Results",
        "U.S. House Approves Uyghur Act, Condemning China’s Crackdown in Xinjiang",
    ],
    "002_74cfa9d67cefe76b.txt": [
        "Chinese security firm advertises ethnicity recognition technology while facing UK ban",
        "Covid lockdown protests break out in western China after deadly fire",
        "Major funds exposed to companies allegedly engaged in Uyghur repression in China",
        "Spyware targets Uyghurs by ‘masquerading’ as Android apps – report",
        "Failure to investigate UK imports linked to forced Uyghur labour unlawful, court told",
        "China using influencers to whitewash human rights abuses, report finds",
        "West weighs calling for China Uyghur abuses inquiry at UN",
        "‘Our people are still trapped’: Uyghur exiles demand action on abuses",
        "New Zealand’s shadow foreign affairs spokesperson faces criticism for response to UN "
        "report on Uyghurs",
        "Lawyer criticises UN report’s failure to call Uyghur oppression ‘genocide’",
        "Five key points from the UN report on Xinjiang human rights abuses",
        "Rights groups call for inquiries into Uyghur abuses in China after damning UN report",
        "China’s treatment of Uyghurs may be crime against humanity, says UN human rights chief",
        "US ban on cotton from forced Uyghur labour comes into force",
    ],
    "003_c3a82658946608cb.txt": [
        "China Seeks to Stop UN Rights Chief From Releasing Xinjiang Report - Document",
        "China's Information Operations are Silencing and Influencing Global Audiences on Xinjiang",
        "Morocco: Uyghur Activist at Risk of Extradition",
        "US Hits out at Russia, China in Annual Human Trafficking Report",
    ],
    "004_7cd9d3f481c881ed.txt": [
        "CCP’s High-Tech Repression in Xinjiang Calls for Tougher Sanctions: Advocates"
    ],
}

BOILERPLATE = [
    "Continue reading...",
    "Feed enhanced by Better Feed from Ozh",
    "on Facebookshare on Twitter",
    "Permalink",
    "unsubscribe from this list",
    "2512 Telegraph Ave",
    "Tel: +90 212",
    "person_standing_beside_fruit",
    "gmh 33",
    "Greg Baker/AFP via Getty Images",
]


@pytest.mark.parametrize("name", sorted(EXPECTED_TITLES))
def test_seed_titles_and_counts(name: str) -> None:
    layout = split_articles(read_exact(SEEDS / name))
    assert [a.title for a in layout.articles] == EXPECTED_TITLES[name]


def test_seeds_hold_23_articles() -> None:
    total = sum(len(split_articles(read_exact(p)).articles) for p in SEEDS.glob("*.txt"))
    assert total == 23


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_articles_are_ordered_disjoint_and_content_sits_inside(path) -> None:
    text = read_exact(path)
    layout = split_articles(text)
    for a, b in zip(layout.articles, layout.articles[1:], strict=False):
        assert a.end <= b.start
    for article in layout.articles:
        assert text[article.start :].startswith(article.title or "")
        for run in article.content:
            assert article.start <= run.start < run.end <= article.end
            for spam in BOILERPLATE:
                assert spam not in text[run.start : run.end]


def test_boilerplate_is_reported() -> None:
    text = read_exact(SEEDS / "001_d16e09c9a0a6048d.txt")
    marked = " ".join(text[s.start : s.end] for s in split_articles(text).boilerplate)
    for spam in ("Feed enhanced by Better Feed", "Permalink", "unsubscribe", "Telegraph Ave"):
        assert spam in marked


def test_subheadings_stay_inside_their_article() -> None:
    text = read_exact(SEEDS / "004_7cd9d3f481c881ed.txt")
    (article,) = split_articles(text).articles
    body = text[article.start : article.end]
    assert "The Role of Technology" in body and "The West’s Response" in body


def test_plain_file_is_one_untitled_or_titled_article() -> None:
    text = "The council met on Monday. It voted to close the bridge for repairs until May.\n"
    (article,) = split_articles(text).articles
    assert article.title is None
    assert text[article.start : article.end] == text.strip()


def test_bylined_compilation_with_bom_and_crlf() -> None:
    one = " ".join(f"Officials said measure {i} passed after a long debate." for i in range(5))
    two = " ".join(f"The river rose {i} metres overnight, residents said." for i in range(5))
    text = (
        "\ufeffFirst Report About the Harbour Expansion\r\nBy Ann Lee, Daily News, 2024-01-02\r\n\r\n"
        f"{one}\r\n\r\nSecond Report About the River Flooding\r\nBy Bo Chan, Herald, 2024-01-03\r\n"
        f"\r\n{two}\r\n"
    )
    layout = split_articles(text)
    assert [a.title for a in layout.articles] == [
        "First Report About the Harbour Expansion",
        "Second Report About the River Flooding",
    ]
    assert layout.articles[0].start == 1  # the BOM is not part of the title
    assert "\r" not in text[layout.articles[0].start : layout.articles[0].start + 40]


def test_empty_text_has_no_articles() -> None:
    assert split_articles("  \n\n ").articles == ()
