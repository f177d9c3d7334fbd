"""Bodies of the archive's routes: GET /documents (and one document's text), POST /documents
(uploads), DELETE and restore."""

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from rag.corpus.metadata import PageKind

JSON_DOC_ID = r"^[\w-]+(/[\w-]+)*\.(txt|md)$"  # JSON uploads are plain-text articles
TEXT = r"^[^\x00]*[^\s\x00\ufeff][^\x00]*$"  # something to index, and no NUL


class ArticleOut(BaseModel):
    title: str | None
    start: int
    end: int
    published: str | None = None
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    copies: str | None = Field(None, description="Shared by near-duplicate articles")
    title_raw: str | None = Field(
        None, description="The title as the page gave it, when the site's name was cut from it"
    )
    page: PageKind = Field(
        "article", description="'listing': a homepage, section front or search page"
    )


class DocumentOut(BaseModel):
    doc_id: str
    path: str
    sha256: str
    chars: int
    chunks: int
    format: str
    pages: list[list[int]] = Field(description="PDFs: [start, end) of each page in the text view")
    uploaded: bool = Field(
        description="Uploaded (DELETE deletes the file) rather than the user's corpus file "
        "(DELETE leaves it on disk and lists it as excluded until it is restored)"
    )
    articles: list[ArticleOut]


class DocumentText(DocumentOut):
    text: str = Field(description="The text view: passage offsets index this exact text")


class DocumentIn(BaseModel):
    """One document sent as JSON; its doc_id is its path inside the corpus folder."""

    model_config = ConfigDict(extra="forbid", strict=True)

    doc_id: Annotated[
        str,
        Field(
            description="Path in the corpus folder, e.g. 'local/2024-05-01-harbour.txt' (JSON "
            "takes .txt/.md; send other formats as multipart files)",
            json_schema_extra={"pattern": JSON_DOC_ID},
        ),
    ]
    text: Annotated[
        str,
        Field(description="The article text", json_schema_extra={"pattern": TEXT}),
    ]

    @field_validator("doc_id")
    @classmethod
    def _plain_path(cls, value: str) -> str:
        if not re.fullmatch(JSON_DOC_ID, value):
            raise PydanticCustomError(
                "doc_id",
                "doc_id must be a .txt or .md path of letters, digits, '_' and '-' in folders "
                "separated by '/', such as 'local/harbour-2024.txt'; upload other names as files",
            )
        return value

    @field_validator("text")
    @classmethod
    def _indexable(cls, value: str) -> str:
        if not re.fullmatch(TEXT, value, flags=re.S):
            raise PydanticCustomError("text", "text is empty or holds a NUL character")
        return value


class WrittenDocument(BaseModel):
    doc_id: str
    status: Literal["added", "replaced", "unchanged"]
    chunks: int
    articles: list[ArticleOut]
    left_out: int = Field(description="Characters of its text left out as boilerplate")
    warning: str | None = Field(
        description="Said when most of the text was left out: what went, why, what to do"
    )


class WriteResponse(BaseModel):
    documents: list[WrittenDocument]
    generation: str
    summary: str = Field(description="What the update changed, as `rag index` prints it")


class DeleteResponse(BaseModel):
    deleted: str
    generation: str
    summary: str
    kept_on_disk: bool = Field(
        description="True when the file is the user's own: it stays on disk, left out of the "
        "index until restored (POST /documents/{doc_id}/restore or `rag index --restore`)"
    )


class RestoreResponse(BaseModel):
    restored: str
    generation: str
    summary: str


class DocumentsResponse(BaseModel):
    documents: list[DocumentOut]
    skipped: list[dict[str, Any]]
    excluded: list[str] = Field(
        description="Corpus files removed from the archive; each stays on disk and can be restored"
    )
