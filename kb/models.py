"""Data shapes that cross stage boundaries: ingest -> store -> retrieval -> answering -> serving."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["front_desk", "coder", "admin"]
ROLES: tuple[str, ...] = ("front_desk", "coder", "admin")

BlockKind = Literal["text", "table", "record", "heading"]


class ParsedBlock(BaseModel):
    """One structural unit a parser found: a paragraph, a table (rows with header), or a record."""

    text: str
    kind: BlockKind = "text"
    page: int | None = Field(None, description="Physical 1-based PDF page.")
    section: str | None = Field(None, description="Heading path, § label or row label.")
    keywords: list[str] = Field(default_factory=list, description="Exact-match codes (HCPCS, ICD-10-CM, modifier).")


class DocumentInfo(BaseModel):
    """What the corpus config says about one document."""

    path: str = Field(description="Path relative to the corpus root, with forward slashes.")
    collection: str
    roles: list[str]
    title: str
    publisher: str | None = None
    effective_date: str | None = None
    dated_note: str | None = None


class ChunkMeta(BaseModel):
    """Everything recorded with a chunk. Content-bearing fields are encrypted before they reach the store."""

    chunk_id: str
    doc_id: str
    document: str
    collection: str
    roles: list[str]
    title: str
    page: int | None = None
    section: str | None = None
    char_start: int
    char_end: int
    content_hash: str
    file_hash: str
    position: int = Field(description="Ordinal of the chunk within its document, for neighbour expansion.")
    keywords: list[str] = Field(default_factory=list)
    effective_date: str | None = None
    dated_note: str | None = None


class Chunk(BaseModel):
    meta: ChunkMeta
    text: str


class Passage(BaseModel):
    """A retrieved, decrypted passage as shown to answering and to the user."""

    chunk_id: str
    document: str
    page: int | None
    section: str | None
    text: str
    score: float
    collection: str
    title: str = ""
    publisher: str = ""
    dated_note: str | None = None
    effective_date: str | None = None


class SearchResponse(BaseModel):
    results: list[Passage]


class Citation(BaseModel):
    marker: int
    document: str
    page: int | None
    section: str | None
    quote: str
    collection: str
    title: str = ""
    chunk_id: str = ""


class AnswerTimings(BaseModel):
    retrieve_ms: float = 0.0
    answer_ms: float = 0.0


class RelatedDocument(BaseModel):
    document: str
    title: str
    page: int | None = None


class AnswerResponse(BaseModel):
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    dropped_claims: int = 0
    backend: str = "extractive"
    model: str | None = None
    timings: AnswerTimings = Field(default_factory=AnswerTimings)
    related: list[RelatedDocument] = Field(default_factory=list)
    searched: list[str] = Field(default_factory=list, description="Collections searched, named in a refusal.")
