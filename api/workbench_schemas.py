"""Bodies of the reporter's workbench routes: POST /batch (many questions in, a row per question
out, each cited source with its exact quote), POST /timeline (passages by date) and /watches
(a watch's own shape is rag.workbench.watches.base.Watch)."""

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import FiltersIn, Highlight, QuestionIn, TopK
from rag.retrieval.coverage import Support
from rag.workbench.batch import MAX_BATCH_QUESTIONS, BatchFormat
from rag.workbench.watches.base import Watch


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


class TimelineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(min_length=1, description="A question, or a name to follow")
    top_k: TopK = Field(50, description="Passages to read before dating them")
    filters: FiltersIn | None = None


class TimelineSentence(Highlight):
    text: str


class TimelineChange(BaseModel):
    about: str = Field(description='What is counted or dated ("people", "amount", "date")')
    was: str = Field(description="The last figure before, as written")
    now: str = Field(description="This entry's figure, as written")


class TimelineEntry(BaseModel):
    doc_id: str
    title: str | None
    outlet: str | None
    published: str | None
    start: int = Field(description="The passage's span in the document's text view")
    end: int
    sentence: TimelineSentence = Field(description="Its sentence that best matches the question")
    also_in: list[dict[str, object]] = Field(description="Syndicated copies, folded into this one")
    changed: TimelineChange | None = Field(
        None,
        description="Where the reported facts changed: its figure or date shares nothing "
        "with the last one given before it",
    )


class TimelineDay(BaseModel):
    date: str = Field(description="YYYY-MM-DD, oldest first")
    entries: list[TimelineEntry]


class TimelineWeek(BaseModel):
    week_of: str = Field(description="The Monday of the week")
    articles: int


class TimelineResponse(BaseModel):
    question: str
    days: list[TimelineDay]
    undated: list[TimelineEntry] = Field(description="Passages whose article has no date")
    weeks: list[TimelineWeek] = Field(description="Articles per week, empty weeks included")


class WatchRequest(QuestionIn):
    """A question to watch, with the filters it is asked under."""


class WatchList(BaseModel):
    watches: list[Watch]


class WatchRemoved(BaseModel):
    removed: str
