"""Request and response bodies of the HTTP contract (see DESIGN.md / README)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["hybrid", "dense", "lexical"]
TopK = Annotated[int, Field(ge=1, le=50, strict=True, description="Passages to return, 1..50")]


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Annotated[str, Field(min_length=1, strict=True, description="What to look up")]
    top_k: TopK = 5
    mode: Mode | None = Field(None, description="hybrid (default), dense or lexical")


class AnswerRequest(QueryRequest):
    generator: str | None = Field(None, description="Generator name; default RAG_GENERATOR")
    stream: bool = Field(False, description="Stream the answer as Server-Sent Events")


def bounded(model: type[QueryRequest], max_chars: int) -> type[QueryRequest]:
    """The same request body with the deployment's question length limit in its schema."""

    class Bounded(model):  # type: ignore[valid-type,misc]
        question: Annotated[
            str,
            Field(min_length=1, max_length=max_chars, strict=True, description="What to look up"),
        ]

    Bounded.__name__ = model.__name__
    return Bounded


class Source(BaseModel):
    doc_id: str
    path: str
    title: str | None
    start: int
    end: int


class PassageOut(BaseModel):
    rank: int
    score: float
    text: str
    source: Source


class QueryResponse(BaseModel):
    question: str
    passages: list[PassageOut]
    answerable: bool
    relevance: float = Field(
        description="Top dense cosine; `answerable` compares it to a threshold"
    )
    timings_ms: dict[str, float]


class QuoteOut(BaseModel):
    citation: int
    doc_id: str
    start: int
    end: int
    text: str


class AnswerResponse(BaseModel):
    question: str
    answer: str
    citations: list[PassageOut] = Field(description="Marker [n] in the answer is citations[n-1]")
    answerable: bool
    generator: str
    dropped_citations: list[int] = Field(
        description="Markers the model wrote that matched no passage"
    )
    quotes: list[QuoteOut] = Field(description="Exact spans of quoted sentences (extractive only)")
    relevance: float


class GeneratorInfo(BaseModel):
    name: str
    available: bool
    default: bool
    reason: str | None = None


class Health(BaseModel):
    status: Literal["ok"]
    chunks: int
    documents: int
    model: str


class ArticleOut(BaseModel):
    title: str | None
    start: int
    end: int


class DocumentOut(BaseModel):
    doc_id: str
    path: str
    sha256: str
    chars: int
    articles: list[ArticleOut]


class DocumentsResponse(BaseModel):
    documents: list[DocumentOut]
    skipped: list[dict[str, str]]
