"""GET /v1/audit (admin): decrypted records with filters, feedback joined; GET /v1/audit/verify."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from serving.audit.audit_record import StoredAuditRecord
from serving.audit.audit_service import AuditFilter, AuditService, ChainStatus
from serving.auth.auth_dependencies import admin
from serving.auth.principal import Principal
from serving.context import ServingContext
from serving.dependencies import audited_as, serving_context
from serving.error_handlers import COMMON_ERRORS, documented_errors

router = APIRouter(prefix="/v1", tags=["audit"])


class AuditPage(BaseModel):
    records: list[StoredAuditRecord] = Field(description="Newest first.")
    matched: int = Field(description="Records matching the filters; `records` holds at most `limit` of them.")


@router.get(
    "/audit",
    dependencies=[audited_as("audit.search")],
    response_model=AuditPage,
    summary="Search the audit log (admin)",
    responses=documented_errors(*COMMON_ERRORS),
)
async def search_audit(
    since: datetime | None = Query(None, description="Records at or after this time (ISO 8601)."),
    until: datetime | None = Query(None, description="Records before this time (ISO 8601)."),
    user: str | None = Query(None, max_length=200, description="Exact user (token subject)."),
    action: str | None = Query(None, max_length=100, description="ask, search, feedback, documents.delete, ..."),
    refused: bool | None = Query(None, description="Only refused (true) or answered (false) questions."),
    with_feedback: bool = Query(False, description="Only records that received feedback: the feedback queue."),
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(admin),
    context: ServingContext = Depends(serving_context),
) -> AuditPage:
    wanted = AuditFilter(
        since=since, until=until, user=user, action=action, refused=refused, with_feedback=with_feedback
    )
    matched = await run_in_threadpool(AuditService(context.audit_log()).search, wanted)
    return AuditPage(records=matched[:limit], matched=len(matched))


@router.get(
    "/audit/verify",
    dependencies=[audited_as("audit.verify")],
    response_model=ChainStatus,
    summary="Verify the audit log's hash chain (admin)",
    responses=documented_errors(*COMMON_ERRORS),
)
async def verify_audit(
    _: Principal = Depends(admin),
    context: ServingContext = Depends(serving_context),
) -> ChainStatus:
    return await run_in_threadpool(AuditService(context.audit_log()).verify)
