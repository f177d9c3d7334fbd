"""Request and response bodies of the HTTP contract (see DESIGN.md / README): asking and
answering; the archive's in document_schemas, the workbench's in workbench_schemas."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from rag import registry
from rag.errors import InvalidQueryError
from rag.generation.cite import CiteFormat
from rag.query import MAX_TOP_K, MODES, Filters, SearchMode, clean_question
from rag.retrieval.coverage import SUPPORT, Support
from rag.workbench.followup import MAX_TURNS, Turn

VISIBLE = r"[^\s\x00-\x1f\x7f]"  # a question holds at least one visible character


def _whole(value: Any) -> Any:
    """JSON Schema counts 5.0 as an integer; "5", 2.5 and true stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _iso_date(value: Any) -> Any:
    """Dates are "YYYY-MM-DD" strings only (never a number read as a timestamp)."""
    if value is not None and not isinstance(value, str):
        raise PydanticCustomError("date_type", "a date must be a string such as '2024-03-01'")
    return value


TopK = Annotated[
    int,
    Field(ge=1, le=MAX_TOP_K),
    BeforeValidator(_whole),
    WithJsonSchema(  # stated in full: behind a BeforeValidator pydantic writes ge/le raw
        {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_TOP_K,
            "description": f"Passages to return, 1..{MAX_TOP_K}",
        }
    ),
]
IsoDate = Annotated[date | None, BeforeValidator(_iso_date)]


class FiltersIn(BaseModel):
    """Narrow the search; applied inside both rankers, before the top k are cut."""

    model_config = ConfigDict(extra="forbid", strict=True)

    doc_ids: list[str] | None = Field(
        None, description="Only these documents (a file names all its records)"
    )
    published_from: IsoDate = Field(
        None, strict=False, description="YYYY-MM-DD; undated articles never match a date filter"
    )
    published_to: IsoDate = Field(None, strict=False, description="YYYY-MM-DD, inclusive")
    outlets: list[str] | None = Field(None, description="Only these outlets (case-insensitive)")

    def to_filters(self) -> Filters:
        """The library's Filters (a reversed range matches nothing, with a notice why)."""
        return Filters(
            doc_ids=tuple(self.doc_ids or ()),
            published_from=self.published_from,
            published_to=self.published_to,
            outlets=tuple(self.outlets or ()),
        )


class TurnIn(BaseModel):
    """An earlier question and the documents its answer cited."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(min_length=1)
    doc_ids: list[str] = Field(default_factory=list, max_length=MAX_TOP_K)
    searched_as: str | None = Field(None, description="Its `searched_as`, when it had one")

    def to_turn(self) -> Turn:
        return Turn(self.question, tuple(self.doc_ids), self.searched_as)


class QuestionIn(BaseModel):
    """Strict JSON types throughout: "5" is not a number and "yes" is not a boolean."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: Annotated[
        str, Field(description="What to look up", json_schema_extra={"pattern": VISIBLE})
    ]
    filters: FiltersIn | None = Field(None, description="Narrow to documents, dates or outlets")

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        """ "" and "   " get the same message as the CLI gives."""
        try:
            clean_question(value, max_chars=len(value) + 1)
        except InvalidQueryError as exc:
            raise PydanticCustomError("blank_question", str(exc)) from exc
        return value


class AskRequest(QuestionIn):
    top_k: TopK = 5
    mode: SearchMode | None = Field(None, description=f"One of {', '.join(MODES)}")
    conversation: Annotated[list[TurnIn], Field(max_length=MAX_TURNS)] | None = Field(
        None,
        description="The earlier turns, oldest first: a follow-up ('and what did he say "
        "next?') is made standalone from them before it is searched (see `searched_as`)",
    )


class QueryRequest(AskRequest):
    judge: bool = Field(
        False, description="Also ask RAG_JUDGE whether the passages answer (always on for /answer)"
    )


class AnswerRequest(AskRequest):
    generator: str | None = Field(None, description="Generator name; default RAG_GENERATOR")
    stream: bool = Field(False, description="Stream the answer as Server-Sent Events")
    cite: CiteFormat | Literal["all"] | None = Field(
        None,
        description="Also export the cited sources: md (footnotes), csl (CSL-JSON), bibtex (classic), biblatex, or all",
    )


def bounded(model: type[QuestionIn], max_chars: int) -> type[QuestionIn]:
    """The same request body with the deployment's question length limit in its schema."""
    question = Annotated[
        str,
        Field(
            max_length=max_chars,
            description="What to look up",
            json_schema_extra={"pattern": VISIBLE},
        ),
    ]
    return create_model(model.__name__, __base__=model, question=(question, ...))


class Copy(BaseModel):
    doc_id: str
    title: str | None
    outlet: str | None
    start: int
    end: int


class Source(BaseModel):
    doc_id: str = Field(
        description="File path in the corpus; a record of a dump or feed is FILE#ID"
    )
    path: str
    title: str | None
    start: int = Field(
        description="Offsets into the document's text view (GET /documents/{doc_id})"
    )
    end: int
    format: str = Field(description="text, html, pdf, jsonl, feed or email")
    published: str | None = Field(description="ISO 8601 date, when known")
    author: str | None
    outlet: str | None
    url: str | None
    page_start: int | None = Field(description="PDFs: first page of the passage (1-based)")
    page_end: int | None
    also_in: list[Copy] = Field(description="Near-duplicate copies of this article elsewhere")


class Highlight(BaseModel):
    start: int = Field(description="Offset into the document's text view, like source.start")
    end: int


class PassageOut(BaseModel):
    rank: int
    score: float
    text: str
    highlights: list[Highlight] = Field(
        description="The passage's sentences that best match the question, best first (up to 2)"
    )
    source: Source


class Where(BaseModel):
    doc_id: str
    title: str | None
    start: int = Field(description="Offsets into the document's text view, like source.start")
    end: int


class CoverageOut(BaseModel):
    term: str = Field(description="A name, number or key word of the question")
    kind: Literal["name", "number", "word"]
    found: bool = Field(description="Whether a passage close to the question holds it")
    where: Where | None = Field(
        description="Its first place in those passages; null when not found, or when it names "
        "a passage's outlet, author or year rather than its text"
    )


class Judged(BaseModel):
    """Why the question counts as answered or not, in words and term by term."""

    question: str = Field(description="The question as asked")
    searched_as: str = Field(
        description="The question as searched: a follow-up made standalone from the "
        "conversation, else the question itself"
    )
    support: Support = Field(description="Confidence in words: " + ", ".join(SUPPORT))
    reason: str = Field(description="What the passages hold of the question, and what they lack")
    coverage: list[CoverageOut]
    judge: str = Field(description=f"Who decided: {', '.join(registry.names('judge'))} (RAG_JUDGE)")


class QueryResponse(Judged):
    passages: list[PassageOut]
    answerable: bool
    relevance: float = Field(
        description="Confidence (0..1) that the passages cover the question; `answerable` "
        "compares it to the abstention model's cut-off"
    )
    notice: str | None = Field(
        None,
        description="Why the passages cannot be trusted (e.g. a language the model cannot read)",
    )
    timings_ms: dict[str, float]


class QuoteOut(BaseModel):
    citation: int
    doc_id: str
    start: int
    end: int
    text: str


class ClaimEvidence(BaseModel):
    doc_id: str
    start: int
    end: int


class ClaimOut(BaseModel):
    text: str = Field(description="One sentence of the answer, without its markers")
    start: int = Field(description="Where the sentence is in `answer`")
    end: int
    citations: list[int] = Field(description="The passages its [n] markers cite")
    supported: bool | Literal["uncited"] = Field(
        description="Whether the cited passages support it; 'uncited' when it cites none"
    )
    evidence: ClaimEvidence | None = Field(
        description="The cited passage's sentence (span in its document) closest to it"
    )
    problems: list[str] = Field(description="Why it is not supported, fact by fact")
    similarity: float | None


class SideOut(BaseModel):
    citation: int = Field(description="The passage's marker [n]")
    doc_id: str
    outlet: str | None
    published: str | None
    quote: str = Field(description="The window that gives this side's value")
    start: int = Field(description="Where the quote is in the document's text view")
    end: int
    value: str = Field(description='The differing fact as the source writes it ("41 people")')
    later: bool = Field(description="A later report from the outlet of an earlier side: an update")


class DisagreementOut(BaseModel):
    about: str = Field(
        description="What the sides differ on: what is counted, amount, share, date, year"
    )
    sides: list[SideOut] = Field(description="By publication date, undated last")


class ClaimsSummary(BaseModel):
    supported: int
    unsupported: int
    uncited: int
    dropped: int = Field(description="Unsupported sentences removed (RAG_DROP_UNSUPPORTED)")


class AnswerResponse(Judged):
    answer: str
    citations: list[PassageOut] = Field(
        description="The passages retrieved, numbered: marker [n] in the answer is citations[n-1]"
    )
    cited: list[int] = Field(
        description="The markers the answer uses; other citations were retrieved but not cited"
    )
    answerable: bool
    notice: str | None = Field(None, description="Why the question was declined, when not coverage")
    generator: str
    dropped_citations: list[int] = Field(
        description="Markers the model wrote that matched no passage"
    )
    quotes: list[QuoteOut] = Field(description="Exact spans of quoted sentences (extractive only)")
    relevance: float
    claims: list[ClaimOut] = Field(
        description="Each sentence of the answer checked against the passages it cites"
    )
    claims_summary: ClaimsSummary
    disagreements: list[DisagreementOut] = Field(
        default_factory=list,
        description="Answering passages that give different figures or dates (RAG_DISAGREEMENTS); "
        "the answer says so in a sentence",
    )
    exports: dict[CiteFormat, str] = Field(
        default_factory=dict,
        description="The cited sources in each format asked for with `cite`, as text to paste "
        "(CSL-JSON as JSON text); each source's note holds its quote and character span",
    )


class GeneratorInfo(BaseModel):
    name: str
    available: bool
    default: bool
    reason: str | None = Field(None, description="Why it is not available here")
    model: str | None = Field(None, description="The model it runs (a file, folder or name)")


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    problem: str | None = Field(None, description="Why the index on disk cannot be loaded")
    chunks: int
    documents: int
    model: str
    generation: str = Field(description="The index generation being served")
    built_at: str = Field(description="When that generation was written (UTC, ISO 8601)")
    corpus_dir: str = Field(description="The user's folder of articles (never written to)")
    uploads_dir: str | None = Field(
        description="Where uploaded documents are kept (null: in the Milvus index itself)"
    )
