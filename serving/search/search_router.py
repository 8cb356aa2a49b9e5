"""POST /v1/search: passages from the collections the caller's role may read."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from serving.audit.audit_middleware import AuditEntry
from serving.auth.auth_dependencies import authenticated
from serving.auth.principal import Principal
from serving.context import ServingContext
from serving.dependencies import audit_entry, audited_as, serving_context
from serving.error_handlers import COMMON_ERRORS, documented_errors
from serving.search.search_service import SearchResults, search_results

router = APIRouter(prefix="/v1", tags=["search"])


class SearchBody(BaseModel):
    model_config = {"extra": "forbid"}

    question: str = Field(min_length=1, max_length=2000, description="What to look for, in plain language or codes.")
    k: int = Field(5, ge=1, le=50, description="Passages to return.")


@router.post(
    "/search",
    dependencies=[audited_as("search")],
    response_model=SearchResults,
    summary="Find the passages that answer a question",
    description="The same object as `kb search --json`. The role filter is part of the store query.",
    responses=documented_errors(400, *COMMON_ERRORS),
)
async def search(
    body: SearchBody,
    principal: Principal = Depends(authenticated),
    entry: AuditEntry = Depends(audit_entry),
    context: ServingContext = Depends(serving_context),
) -> SearchResults:
    entry.question = body.question
    passages = await run_in_threadpool(context.search.search, body.question, principal.role, body.k)
    entry.note_search(passages)
    return search_results(passages)
