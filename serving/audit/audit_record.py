"""What one audit record holds (HIPAA 164.312(b)). The whole record is sealed before it reaches disk."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kb.models import AnswerResponse, Passage

FeedbackRating = Literal["helpful", "wrong_citation", "wrong_answer"]


class RetrievedChunk(BaseModel):
    chunk_id: str
    sha256: str = Field(description="SHA-256 of the passage text as it was shown.")
    document: str
    collection: str


class FeedbackNote(BaseModel):
    request_id: str = Field(description="The audited request this feedback is about.")
    rating: FeedbackRating
    comment: str | None = None


class AuditRecord(BaseModel):
    """One request, or one administrative event, as an auditor reads it."""

    request_id: str
    user: str = Field(description="Token subject (username in parentheses when the IdP sends one); '-' when unknown.")
    role: str | None = None
    action: str = Field(description="What was asked for: ask, search, documents.delete, audit.export, sign-in, ...")
    method: str | None = None
    path: str | None = None
    client: str | None = Field(None, description="Client address as the server saw it.")
    status: int = 0
    latency_ms: float = 0.0
    question: str | None = None
    retrieved: list[RetrievedChunk] = Field(default_factory=list)
    cited: list[str] = Field(default_factory=list, description="Documents cited in the answer.")
    refused: bool | None = None
    dropped_claims: int | None = None
    backend: str | None = None
    model: str | None = None
    detail: str | None = Field(None, description="Outcome detail: error class, document id, counts. Never content.")
    feedback: FeedbackNote | None = None


class StoredAuditRecord(AuditRecord):
    """A record read back: its place in the chain, when it was written, and feedback given on it later."""

    seq: int
    time: datetime
    feedback_received: list[FeedbackNote] = Field(default_factory=list)


def retrieved_chunks(passages: list[Passage]) -> list[RetrievedChunk]:
    return [
        RetrievedChunk(
            chunk_id=p.chunk_id,
            sha256=hashlib.sha256(p.text.encode("utf-8")).hexdigest(),
            document=p.document,
            collection=p.collection,
        )
        for p in passages
    ]


def cited_documents(answer: AnswerResponse) -> list[str]:
    return sorted({citation.document for citation in answer.citations})
