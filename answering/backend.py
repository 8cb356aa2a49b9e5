"""What every answer backend returns, and the one method it must have."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

from answering.question import Question
from answering.verifier import DraftClaim
from kb.models import Passage


class Draft(BaseModel):
    """A backend's proposal, before verification."""

    status: Literal["answered", "insufficient"]
    claims: list[DraftClaim] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class AnswerBackend(Protocol):
    name: str
    model: str | None

    def draft(self, question: Question, passages: list[Passage]) -> Draft: ...
