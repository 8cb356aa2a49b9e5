"""POST /v1/ask: parse, authorize, call the ask service, note the audit details."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kb.models import AnswerResponse
from serving.audit.audit_middleware import AuditEntry
from serving.auth.auth_dependencies import authenticated
from serving.auth.principal import Principal
from serving.context import ServingContext
from serving.dependencies import audit_entry, audited_as, serving_context
from serving.error_handlers import COMMON_ERRORS, documented_errors

router = APIRouter(prefix="/v1", tags=["ask"])

MAX_QUESTION_CHARS = 2000


class AskBody(BaseModel):
    model_config = {"extra": "forbid"}

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="A question in plain language.")
    include_passages: bool = Field(
        False, description="Also return each cited passage in full, so the quote can be shown in context."
    )


class CitedPassage(BaseModel):
    chunk_id: str
    document: str
    title: str
    page: int | None
    section: str | None
    collection: str
    text: str


class AskReply(AnswerResponse):
    """The object `kb ask --json` prints; `passages` appears only when include_passages was set."""

    passages: list[CitedPassage] | None = None


@router.post(
    "/ask",
    dependencies=[audited_as("ask")],
    response_model=AskReply,
    summary="Answer a question from the documents the caller's role may read",
    description="Every claim is cited and verified against its passage; when the documents do not answer, "
    "`refused` is true and nothing is cited.",
    responses=documented_errors(400, 502, *COMMON_ERRORS),
)
async def ask(
    body: AskBody,
    principal: Principal = Depends(authenticated),
    entry: AuditEntry = Depends(audit_entry),
    context: ServingContext = Depends(serving_context),
) -> JSONResponse:
    entry.question = body.question
    result = await run_in_threadpool(context.ask.ask, body.question, principal.role)
    entry.note_answer(result.answer, result.retrieved)
    reply = result.answer.model_dump(mode="json")
    if body.include_passages:
        fields = set(CitedPassage.model_fields)
        reply["passages"] = [p.model_dump(mode="json", include=fields) for p in result.cited_passages()]
    return JSONResponse(reply)
