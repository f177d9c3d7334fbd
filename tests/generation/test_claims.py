"""Claims checked against their citations: the facts a sentence must share with its sources,
normalised; sentences and their markers; flagging versus removing; and the checker's figures
on the written planted-error set and on extractive answers, held as floors."""

import pytest

from eval.claims import claims_table, judge_rows, load_claims, scores
from eval.dataset import DEFAULT_SEEDS, load_questions
from rag.config import ClaimCheck, Settings
from rag.errors import MissingDependencyError
from rag.generation.answering import Checking, checked
from rag.generation.claims import ClaimChecker, sentences, without_unsupported
from rag.generation.facts import dates, months, names, novel_words, numbers, sweeping
from rag.generation.tagger import Tagger
from rag.retrieval.retriever import Passage
from rag.service import RagService
from tests.processes import python_child

SOURCE = (
    "The port authority paid 4,200,000 pounds on 7 March 2024 to Tidewater Marine Ltd, nine "
    "days after Sens. Josh Hawley and the European Union asked about 84 percent of the silt."
)


def names_missing(text: str, source: str) -> list[str]:
    return [name for name, there in names(text, source).items() if not there]


def test_facts_are_normalised_before_they_are_compared() -> None:
    said = "It paid 4.2 million pounds on March 7, nine days later, for 84% of the silt."
    assert set(numbers(said)) <= set(numbers(SOURCE))
    assert numbers("ninety days")["90"] == "ninety" and "90" not in numbers(SOURCE)
    assert set(numbers("a million followers")) == set(numbers("1,000,000")) == {"1000000"}
    assert set(numbers("half a million")) == {"500000"} and numbers("one of them") == {}
    assert set(numbers("between a million and 1.8 million")) == {"1000000", "1800000"}
    assert dates("on March 7") == dates(SOURCE) == {"3-7"}
    assert dates("on Aug. 31") == {"8-31"} and months("in June") == {"6"}
    assert months("it may rain") == set()
    assert names_missing("Senators Josh Hawley and the EU asked Tidewater Marine.", SOURCE) == []
    missing = names_missing("Then Ted Cruz and the Security Council asked.", SOURCE)
    assert missing == ["Ted Cruz", "Security Council"]
    abroad = "Uyghurs abroad told U.S. officials and the UN that Human Rights Council members lied."
    said = "A Uyghur told the United States and the UN Human Rights Council of AI-driven camps."
    assert names_missing(said, abroad) == []
    assert names_missing("The United Kingdom and the UN Security Council agreed.", abroad) == [
        "United Kingdom",
        "UN Security Council",
    ]
    assert sweeping("They always pay, every time.") == {"always", "every"}
    assert dates("at her December 4th press conference") == {"12-4"}


def novel(sentence: str, source: str = SOURCE, check: ClaimCheck = "balanced") -> dict[str, bool]:
    return novel_words(Tagger(Settings().tagger_model).words(sentence), source, check)


def test_new_things_and_names_are_novel_new_verbs_and_spellings_are_not() -> None:
    assert novel("The authority handed over the pounds.") == {}  # a verb of its own
    assert novel("The authority handed over the pounds.", check="strict") == {"handed": False}
    assert {"apps", "games"} <= set(novel("Banking apps and online games."))
    assert novel("A Canadian authority paid the pounds.") == {"canadian": True}
    assert novel("It was paid in September.", "Paid on Sept. 4.") == {}
    assert novel("The labour centre paid.", "The labor center paid.") == {}


def test_names_pass_in_the_forms_a_writer_uses() -> None:
    source = "The CCP sent the Uyghur community to camps, Jessica Brandt at Brookings said; China denied it."
    said = "Jessica Brandt of Brookings said Beijing and the Communist Party sent Uyghurs to camps."
    assert names_missing(said, source) == []
    assert names_missing("So said Jessica Brandt of Stanford.", source) == [
        "Jessica Brandt of Stanford"
    ]
    assert names_missing("It was denied by Moscow.", source) == ["Moscow"]


def test_markers_after_a_full_stop_belong_to_the_sentence_before() -> None:
    text = "The ferry is back. [1] It carried 212 passengers [2]. Nothing else."
    spans = [text[s:e] for s, e in sentences(text)]
    assert spans == ["The ferry is back. [1]", "It carried 212 passengers [2].", "Nothing else."]


def passage(text: str, start: int = 100) -> Passage:
    return Passage(1, 1.0, "a.txt", "a.txt", "A", start, start + len(text), text)


def test_a_sentence_is_supported_quoted_or_paraphrased_and_flagged_with_its_reasons(
    seed_service: RagService,
) -> None:
    checker = seed_service.checking.checker
    cited = [passage(SOURCE)]
    answer = (
        f"{SOURCE} [1] "
        "The authority paid 4.2 million pounds to Tidewater Marine [1]. "
        "It paid 9 million pounds to Atlantis Dredging [1]. Silt is everywhere."
    )
    quoted, paraphrased, wrong, uncited = checker.check(answer, cited)
    assert quoted.supported is True and quoted.similarity == 1.0
    assert quoted.evidence is not None and quoted.evidence["doc_id"] == "a.txt"
    assert quoted.evidence["start"] == 100
    assert paraphrased.supported is True and paraphrased.citations == (1,)
    assert wrong.supported is False
    assert "'9 million' is in no cited passage" in wrong.problems
    assert "the name 'Atlantis Dredging' is in no cited passage" in wrong.problems
    assert (
        uncited.supported == "uncited"
        and answer[uncited.start : uncited.end] == "Silt is everywhere."
    )
    text, kept = without_unsupported(answer, (quoted, paraphrased, wrong, uncited))
    assert "Atlantis" not in text and len(kept) == 3
    assert [text[c.start : c.end] for c in kept] == [
        answer[c.start : c.end] for c in (quoted, paraphrased, uncited)
    ]


def test_drop_unsupported_removes_and_counts(seed_service: RagService) -> None:
    answer = seed_service.answer("Where was Yidiresi Aishan arrested?")
    made_up = answer.answer + " It cost 97 million pounds, paid by Atlantis [1]."
    flagged = checked(
        answer.__class__(**{**answer.__dict__, "answer": made_up, "claims": ()}),
        Checking(seed_service.checking.checker),
    )
    assert flagged.claims[-1].supported is False and "97 million" in flagged.answer
    dropped = checked(
        answer.__class__(**{**answer.__dict__, "answer": made_up, "claims": ()}),
        Checking(seed_service.checking.checker, drop_unsupported=True),
    )
    assert "97 million" not in dropped.answer and dropped.dropped_claims == 1
    assert dropped.as_dict()["claims_summary"]["dropped"] == 1


def test_the_checker_catches_planted_errors_and_keeps_extractive_answers(
    seed_service: RagService,
) -> None:
    rows = load_claims()
    checker = seed_service.checking.checker
    assert checker.mode == "strict"
    claims = judge_rows(seed_service, checker, rows)
    lines = {row["split"]: row for row in claims_table(seed_service, rows, claims)}
    assert lines["tune"]["recall"] >= 0.95 and lines["tune"]["precision"] >= 0.9
    whole = scores(rows, claims)  # 422 sentences, stop 34: precision 0.767, recall 0.953
    assert whole["precision"] >= 0.74 and whole["recall"] >= 0.93
    balanced = ClaimChecker(seed_service.embedder, checker.tagger, "balanced")
    whole = scores(rows, judge_rows(seed_service, balanced, rows))  # 0.925 / 0.882
    assert whole["precision"] >= 0.9 and whole["recall"] >= 0.86
    claims = [
        c
        for q in load_questions(DEFAULT_SEEDS)
        if q.sources
        for c in seed_service.answer(q.question).claims
    ]
    supported = sum(c.supported is True for c in claims) / len(claims)
    assert supported >= 0.98, [c for c in claims if c.supported is not True]


@pytest.mark.parametrize("answer", ["", "   ", "[1]", "No markers at all"])
def test_odd_answers_do_not_break_the_checker(seed_service: RagService, answer: str) -> None:
    claims = seed_service.checking.checker.check(answer, [passage(SOURCE)])
    assert all(c.supported in (True, False, "uncited") for c in claims)


def test_a_tagger_that_cannot_be_loaded_says_which_and_how_to_fix_it() -> None:
    with pytest.raises(MissingDependencyError, match="RAG_TAGGER_MODEL='no_such_pipeline'"):
        Tagger("no_such_pipeline").words("Anything at all.")


def test_the_tagger_loads_without_pulling_torch_into_the_server() -> None:
    """The served embedder runs on ONNX; spaCy's thinc would otherwise import torch (~250 MB)."""
    code = (
        "import sys; from rag.generation.tagger import Tagger; "
        f"words = Tagger({Settings().tagger_model!r}).words('Brandt started it in Beijing.'); "
        "print([w.pos for w in words], 'torch' in sys.modules)"
    )
    out = python_child(code, check=True)
    assert out.stdout.split("]")[-1].strip() == "False", out.stdout + out.stderr
    assert "'PROPN', 'VERB'" in out.stdout
