"""POST /v1/feedback: staff rate an answer; the rating is kept in the audit log with the answer's record."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from serving.audit.audit_middleware import AuditEntry
from serving.audit.audit_record import FeedbackNote, FeedbackRating
from serving.auth.auth_dependencies import authenticated
from serving.auth.principal import Principal
from serving.dependencies import audit_entry, audited_as
from serving.error_handlers import COMMON_ERRORS, documented_errors

router = APIRouter(prefix="/v1", tags=["feedback"])


class FeedbackBody(BaseModel):
    model_config = {"extra": "forbid"}

    request_id: str = Field(
        pattern=r"^[0-9a-f]{32}$", description="The X-Request-ID header of the answer being rated."
    )
    rating: FeedbackRating
    comment: str | None = Field(None, max_length=2000, description="Optional; kept encrypted in the audit log.")


class FeedbackReceipt(BaseModel):
    recorded: bool = True
    request_id: str


@router.post(
    "/feedback",
    dependencies=[audited_as("feedback")],
    response_model=FeedbackReceipt,
    status_code=201,
    summary="Rate an answer: helpful, wrong citation or wrong answer",
    description="Stored as an audit record pointing at the answer's record; admins see it in the feedback queue.",
    responses=documented_errors(*COMMON_ERRORS),
)
async def give_feedback(
    body: FeedbackBody,
    _: Principal = Depends(authenticated),
    entry: AuditEntry = Depends(audit_entry),
) -> FeedbackReceipt:
    entry.feedback = FeedbackNote(request_id=body.request_id, rating=body.rating, comment=body.comment)
    return FeedbackReceipt(request_id=body.request_id)
