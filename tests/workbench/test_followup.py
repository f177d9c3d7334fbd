"""Follow-ups made standalone: by the rules, by a language model (and what happens when it
fails), and the earlier turn's sources preferred."""

from collections.abc import Iterator

import pytest

from rag.errors import GeneratorError, InvalidQueryError
from rag.retrieval.retriever import Passage
from rag.service import RagService
from rag.workbench.followup import (
    MAX_TURNS,
    Turn,
    by_model,
    by_rules,
    preferring,
    refers_back,
)
from tests.fake_llm import create_fake_llm
from tests.server import serve

ARRESTED = Turn("Where was Yidiresi Aishan arrested?", ("003_c3a82658946608cb.txt",))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("In which prison is he being held?", True),
        ("When was it founded?", True),
        ("And the second review?", True),
        ("What about Nike?", True),
        ("Which think tank hosted the panel?", True),  # names nothing of its own
        ("Who is the editor-in-chief of the Global Times?", False),
        ("How many devices did TikTok ban in November 2019?", False),
    ],
)
def test_what_refers_back(question: str, expected: bool) -> None:
    assert refers_back(question) is expected


def test_the_rules_carry_the_names_of_the_turn_before() -> None:
    rewrite = by_rules("In which prison is he being held?", [ARRESTED])
    assert rewrite.by == "rules" and "Yidiresi Aishan" in rewrite.searched_as
    assert rewrite.searched_as.startswith("In which prison is he being held?")
    assert rewrite.judged_as == "In which prison is he being held?"
    assert rewrite.prefer == ARRESTED.doc_ids
    ellipsis = by_rules("And the second review?", [Turn("Where is the first review done?")])
    assert ellipsis.searched_as == "Where is the first review done? — the second review?"


def test_a_standalone_question_is_searched_as_asked() -> None:
    question = "Who is the editor-in-chief of the Global Times?"
    assert by_rules(question, [ARRESTED]).searched_as == question
    assert by_rules(question, [ARRESTED]).by is None
    assert by_rules("When was it founded?", []).by is None


class Scripted:
    def __init__(self, reply: str | Exception) -> None:
        self.reply, self.asked = reply, []  # type: ignore[var-annotated]

    def chat(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        self.asked.append(messages)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def test_a_language_models_rewrite_is_used_when_it_is_one_question() -> None:
    model = Scripted("QUESTION: In which prison is Yidiresi Aishan held?")
    rewrite = by_model(model, "In which prison is he held?", [ARRESTED], 2000)
    assert (rewrite.by, rewrite.searched_as) == ("llm", "In which prison is Yidiresi Aishan held?")
    assert "Yidiresi Aishan arrested" in model.asked[0][-1]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        "Sure! He is held in Tiflet.",
        "QUESTION: one\nQUESTION: two",
        "QUESTION: " + "x" * 3000,
        GeneratorError("timed out after 30 s"),
    ],
)
def test_a_failed_rewrite_falls_back_to_the_rules_and_says_why(reply: str | Exception) -> None:
    rewrite = by_model(Scripted(reply), "In which prison is he held?", [ARRESTED], 2000)
    assert rewrite.by == "rules" and "Yidiresi Aishan" in rewrite.searched_as
    assert rewrite.note and "language model" in rewrite.note


def passage(rank: int, doc_id: str) -> Passage:
    return Passage(rank, 1.0 / rank, doc_id, doc_id, None, 0, 1, "x")


def test_the_earlier_sources_come_first_when_they_are_near_the_top() -> None:
    ranked = [passage(1, "b.txt"), passage(2, "c.txt"), passage(3, "a.txt"), passage(4, "a.txt")]
    moved = preferring(ranked, ["a.txt"])
    assert [p.doc_id for p in moved] == ["a.txt", "b.txt", "c.txt", "a.txt"]
    assert [p.rank for p in moved] == [1, 2, 3, 4]
    assert preferring(ranked, ["z.txt"]) == tuple(ranked)
    far = [passage(i, "b.txt") for i in range(1, 4)] + [passage(4, "a.txt")]
    assert preferring(far, ["a.txt"]) == tuple(far)


def test_the_service_searches_the_standalone_question(seed_service: RagService) -> None:
    result = seed_service.query("In which prison is he being held?", conversation=[ARRESTED])
    assert result.asked == "In which prison is he being held?"
    assert "Yidiresi Aishan" in result.question
    assert "Tiflet prison" in result.passages[0].text
    body = result.as_dict()
    assert body["question"] == "In which prison is he being held?"
    assert body["searched_as"] == result.question
    plain = seed_service.query("Who is Hu Xijin?", conversation=[ARRESTED]).as_dict()
    assert plain["searched_as"] == plain["question"] == "Who is Hu Xijin?"


def test_too_long_a_conversation_is_refused(seed_service: RagService) -> None:
    with pytest.raises(InvalidQueryError, match=f"at most {MAX_TURNS}"):
        seed_service.query("And then?", conversation=[ARRESTED] * (MAX_TURNS + 1))


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[str]:
    with serve(create_fake_llm()) as url:
        yield f"{url}/v1"


def test_the_configured_language_model_rewrites(seed_service: RagService, fake_llm: str) -> None:
    service = seed_service.derive(
        generator="openai", openai_base_url=fake_llm, openai_model="rewrite"
    )
    rewrite = service.standalone("In which prison is he being held?", [ARRESTED])
    assert (rewrite.by, rewrite.searched_as) == (
        "llm",
        "In which prison is Yidiresi Aishan being held?",
    )
    chatty = service.derive(openai_model="rewrite-chatty")
    result = chatty.query("In which prison is he being held?", conversation=[ARRESTED])
    assert "Yidiresi Aishan" in result.question
    assert result.notice and "was not a question" in result.notice
