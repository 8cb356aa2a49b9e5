"""GET /v1/me: who the bearer token says the caller is (the web UI shows it and picks its pages)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from serving.auth.auth_dependencies import authenticated
from serving.auth.principal import Principal
from serving.context import ServingContext
from serving.dependencies import audited_as, serving_context
from serving.error_handlers import COMMON_ERRORS, documented_errors

router = APIRouter(prefix="/v1", tags=["sign-in"])


class Me(BaseModel):
    subject: str
    username: str
    role: str
    roles: list[str]
    mfa: bool
    collections: list[str]
    admin_allowed: bool


@router.get(
    "/me",
    dependencies=[audited_as("me")],
    response_model=Me,
    summary="The signed-in user, role and readable collections",
    responses=documented_errors(*COMMON_ERRORS),
)
async def me(principal: Principal = Depends(authenticated), context: ServingContext = Depends(serving_context)) -> Me:
    needs_mfa = context.settings.auth.admin_needs_mfa
    return Me(
        subject=principal.subject,
        username=principal.username,
        role=principal.role,
        roles=list(principal.roles),
        mfa=principal.has_mfa,
        collections=context.services.corpus.collections_for_role(principal.role),
        admin_allowed=principal.role == "admin" and (principal.has_mfa or not needs_mfa),
    )
