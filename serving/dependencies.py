"""FastAPI dependencies shared by the routers: the component container and the request's audit entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Depends, Request

from serving.audit.audit_middleware import AuditEntry

if TYPE_CHECKING:
    from serving.context import ServingContext


def serving_context(request: Request) -> "ServingContext":
    return request.app.state.kb


def audit_entry(request: Request) -> AuditEntry:
    """The entry the audit middleware opened for this request (a detached one where none is audited)."""
    entry = request.scope.get("state", {}).get("audit")
    return entry if entry is not None else AuditEntry()


def client_host(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def audited_as(action: str) -> Any:
    """Route dependency naming the audited action; listed first, it is set even when auth then fails."""

    def name_action(request: Request) -> None:
        audit_entry(request).action = action

    return Depends(name_action)
