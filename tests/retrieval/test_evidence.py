"""The question read in parts: names as phrases, numbers as written, terms together in a window,
and the answer's kind present; then the reason a reader sees."""

import shutil
from pathlib import Path

import pytest

from eval.dataset import NEWS
from rag.retrieval.coverage import reason, support
from rag.retrieval.evidence import asks_for, first_passage, gather, key_terms, locate
from rag.service import RagService
from tests.conftest import indexed

PASSAGES = [
    "The blood moon rose over California on Sunday. Fans at the Rose Bowl stadium watched it.",
    "Miss Idaho was crowned in 2018. The pageant drew 4,200 people to the hall.",
]


def kinds(question: str) -> dict[str, str]:
    return {t.text: t.kind for t in key_terms(question)}


def test_names_stay_phrases_numbers_stay_numbers_and_nationalities_may_be_paraphrased() -> None:
    assert kinds("Who won the 2018 Super Bowl?") == {"2018": "number", "Super Bowl": "name"}
    assert kinds("What did Japan's prime minister Fumio Kishida say?")["Fumio Kishida"] == "name"
    assert kinds("What did the Swedish retailer avoid?")["Swedish"] == "word"
    assert kinds("Who runs the Bank of England?")["Bank of England"] == "name"
    assert asks_for("How many people came?") == "count"
    assert asks_for("How old is Ammar Askar?") == "age"
    assert asks_for("How much did Facebook offer Evan Spiegel?") == "money"
    assert asks_for("What does the Apple Vision Pro weigh?") == "measure"
    assert asks_for("How long did the strike last?") == "duration"
    assert asks_for("How much of the vote did she win?") == "number"
    assert asks_for("When did it start?") == "date" and asks_for("Who said it?") == "name"
    assert asks_for("Why did it happen?") is None


@pytest.mark.parametrize(
    ("question", "holds", "lacks"),
    [  # the topic is there, the fact may not be: a window must hold the kind of number asked for
        (
            "How old is Ammar Askar?",
            "Ammar Askar, 19, found the bug in 2015.",
            "Ammar Askar found the bug in 2015.",
        ),
        (
            "How much did Facebook offer Evan Spiegel?",
            "Facebook offered Spiegel $3 billion.",
            "Facebook offered Spiegel a deal in 2013.",
        ),
        (
            "How many consoles did Microsoft sell?",
            "Microsoft sold 80,000 consoles.",
            "Microsoft sold consoles in 2017.",
        ),
        (
            "What does the Vision Pro weigh?",
            "The Vision Pro weighs 650 grams.",
            "The Vision Pro went on sale in 2024.",
        ),
        (
            "How long did the strike last?",
            "The strike lasted three weeks.",
            "The strike ended in May 2019.",
        ),
    ],
)
def test_a_window_must_hold_the_kind_of_number_the_question_asks_for(
    question: str, holds: str, lacks: str
) -> None:
    assert gather(question, [holds]).answer_in_window
    assert not gather(question, [lacks]).answer_in_window


def test_a_phrase_must_occur_as_a_phrase_and_numbers_match_with_or_without_commas() -> None:
    text = "The bowl was super. Later the Super  Bowl drew 4,200 fans; 42 left early."
    name, number = key_terms("Who won the Super Bowl with 4200 fans?")[:2]
    assert text[slice(*locate(name, text))] == "Super  Bowl"
    assert text[slice(*locate(number, text))] == "4,200"
    assert locate(key_terms("What about 420?")[0], text) is None
    assert locate(key_terms("Who is Bowl Super?")[0], text) is None


def test_a_name_matches_the_forms_news_writes_it_in_and_no_others() -> None:
    """ "State Department" is "the Department of State"; an acronym is its capitalised words'
    initials; two nationalities joined by "and" are two paraphrasable words, not one name."""
    text = "A US Department of State report cited the Australian Strategic Policy Institute's map."
    terms = key_terms("Who wrote the State Department report and the ASPI map?")
    state, aspi = (t for t in terms if t.kind == "name")
    assert text[slice(*locate(state, text))] == "Department of State"
    assert text[slice(*locate(aspi, text))].startswith("Australian Strategic Policy Institute")
    assert locate(key_terms("What did ASIO say?")[0], text) is None
    assert locate(key_terms("What did the NGOs say?")[0], "An NGO established in 1997") == (3, 6)
    assert kinds("What did it sell to British and European customers?")["British"] == "word"
    assert kinds("Who visited Bosnia and Herzegovina?")["Bosnia and Herzegovina"] == "name"


def test_terms_scattered_across_passages_do_not_make_a_window() -> None:
    evidence = gather("Who won the 2018 Super Bowl?", PASSAGES)
    assert [t.text for t in evidence.missing] == ["Super Bowl"]
    assert evidence.window_share < 1.0
    text = reason(evidence, False, ["Moon", "Pageant"])
    assert text == "Found ‘2018’, but no passage close to the question mentions ‘Super Bowl’."
    assert support(evidence, False) == "not covered"


def test_the_window_must_hold_what_the_question_asks_for() -> None:
    texts = ["Hikvision worked with the UK startup FaiceTech on the brochure. It went online."]
    named = gather("Which UK startup did Hikvision work with?", texts)
    counted = gather("How many UK startups did Hikvision work with?", texts)
    assert named.answer_in_window and not counted.answer_in_window
    assert "no sentence there gives a count" in reason(counted, False, ["Brochure"])


def test_the_passage_whose_sentences_hold_the_question_goes_first() -> None:
    texts = [
        "Covid rules in Urumqi were strict. The city was locked down for months.",
        "Fire in Urumqi: ten people died in the apartment block fire, officials said.",
    ]
    evidence = gather("How many people died in the Urumqi apartment fire?", texts)
    assert first_passage(evidence) == 1
    assert (
        first_passage(gather("How many people died in the Urumqi apartment fire?", texts[1:])) == 0
    )


def test_coverage_points_at_the_exact_characters_in_the_file(seed_service: RagService) -> None:
    result = seed_service.query("How long was the viral TikTok video about Xinjiang offline?")
    assert result.coverage
    for item in result.coverage:
        if item.where is None:
            continue
        _, view = seed_service.document(item.where["doc_id"])
        found = view[item.where["start"] : item.where["end"]]
        assert found.casefold().startswith(item.term.casefold()[:4]), (item, found)
    payload = result.as_dict()
    assert payload["support"] == result.support and payload["reason"] == result.reason


OFF_TOPIC = [
    "Who won the 2018 Super Bowl?",
    "What is the capital of Australia?",
    "Who won the 2022 World Cup?",
    "How long should you boil an egg for a soft yolk?",
]
PAGES = ["yahoo-3", "herald-sun-1", "webmd-1", "salon-1", "bbc-1", "cnn"]


@pytest.fixture(scope="module")
def real_news(seed_service: RagService, tmp_path_factory: pytest.TempPathFactory) -> RagService:
    """Six saved news pages, chrome and all: one links to the Super Bowl, three name Australia."""
    root = tmp_path_factory.mktemp("real-news")
    (root / "corpus").mkdir()
    for name in PAGES:
        shutil.copy(Path(NEWS) / f"{name}.html", root / "corpus" / f"{name}.html")
    return indexed(seed_service, root)


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_declined_on_real_news_with_the_reason(
    real_news: RagService, question: str
) -> None:
    result = real_news.query(question)
    assert not result.answerable, (result.relevance, result.reason)
    assert result.support == "not covered" and result.reason.startswith(("Found", "No passage"))


def test_a_question_the_real_news_answers_is_answered(real_news: RagService) -> None:
    result = real_news.query("What did Obama call the greatest frustration of his presidency?")
    assert result.answerable and result.passages[0].doc_id == "bbc-1.html"
    assert result.support in ("well supported", "partly supported")
