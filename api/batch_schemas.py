"""Bodies of POST /batch: many questions in, a row per question out, each cited source with
its exact quote."""

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import FiltersIn
from rag.batch import MAX_BATCH_QUESTIONS, BatchFormat
from rag.retrieval.coverage import Support


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(description="What to look up; a row refused for its question says why")
    filters: FiltersIn | None = None


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    questions: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH_QUESTIONS)
    generator: str | None = Field(None, description="Generator name; default RAG_GENERATOR")
    stream: bool = Field(
        False, description="Stream a `row` event per answered question, then `done`"
    )
    format: BatchFormat | None = Field(
        None, description="Also render the answered list as csv, jsonl or md text"
    )


class BatchCitation(BaseModel):
    citation: int
    doc_id: str
    title: str | None
    outlet: str | None
    published: str | None
    start: int = Field(
        description="Offsets into the document's text view: text[start:end] == quote"
    )
    end: int
    quote: str


class BatchRow(BaseModel):
    row: int = Field(description="The question's place in the list, from 1")
    question: str
    answerable: bool | None = None
    support: Support | None = None
    relevance: float | None = None
    answer: str | None = None
    reason: str | None = None
    citations: list[BatchCitation] = []
    error: str | None = Field(None, description="Why this row was not asked (the list goes on)")


class BatchResponse(BaseModel):
    rows: list[BatchRow]
    text: str | None = Field(description="The list rendered in the format asked for")
