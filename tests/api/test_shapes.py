"""One shape per body: the library's `as_dict` (what `rag query --json` and `rag answer --json`
print) and the HTTP response models must list the same fields, so the two never drift."""

from typing import Any

from pydantic import BaseModel

from api.schemas import AnswerResponse, PassageOut, QueryResponse, Source
from rag.service import RagService


def same_fields(model: type[BaseModel], body: dict[str, Any]) -> None:
    assert set(model.model_fields) == set(body), (
        model.__name__,
        set(model.model_fields) ^ set(body),
    )
    model.model_validate(body)


def test_query_and_answer_bodies_match_their_response_models(seed_service: RagService) -> None:
    retrieval = seed_service.query("Who is Hu Xijin?", 3)
    body = retrieval.as_dict()
    same_fields(QueryResponse, body)
    same_fields(PassageOut, body["passages"][0])
    same_fields(Source, body["passages"][0]["source"])
    answer = seed_service.answer("Who is Hu Xijin?", 3).as_dict()
    same_fields(AnswerResponse, answer)


def test_a_declined_answer_and_a_filtered_empty_one_match_too(seed_service: RagService) -> None:
    from rag.query import Filters

    empty = seed_service.query("ferry", 3, filters=Filters(outlets=("Nowhere Gazette",)))
    same_fields(QueryResponse, empty.as_dict())
    assert empty.notice and empty.passages == ()
    same_fields(AnswerResponse, seed_service.answer("What is the capital of Peru?").as_dict())
