"""Every API request leaves one audit record, written before its response goes out.

Routers fill in the request's `AuditEntry` (question, retrieved chunks, citations...); this middleware
adds who, from where, status and latency, and appends the record when the response starts. If the
append fails, the response is replaced by a 503: nothing is served unaudited.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.errors import AuditWriteError
from kb.models import AnswerResponse, Passage
from serving.audit.audit_log import AuditLog
from serving.error_handlers import error_response
from serving.audit.audit_record import AuditRecord, FeedbackNote, RetrievedChunk, cited_documents, retrieved_chunks

AUDITED_PREFIXES = ("/v1/",)
AUDITED_POSTS = ("/oauth/authorize", "/oauth/token")


@dataclass
class AuditEntry:
    """What the handling code knows about this request; the middleware adds the rest."""

    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    action: str | None = None
    user: str | None = None
    role: str | None = None
    question: str | None = None
    retrieved: list[RetrievedChunk] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    refused: bool | None = None
    dropped_claims: int | None = None
    backend: str | None = None
    model: str | None = None
    detail: str | None = None
    feedback: FeedbackNote | None = None
    written: bool = False

    def note_answer(self, answer: AnswerResponse, passages: list[Passage]) -> None:
        self.retrieved = retrieved_chunks(passages)
        self.cited = cited_documents(answer)
        self.refused = answer.refused
        self.dropped_claims = answer.dropped_claims
        self.backend = answer.backend
        self.model = answer.model

    def note_search(self, passages: list[Passage]) -> None:
        self.retrieved = retrieved_chunks(passages)


def is_audited(scope: Scope) -> bool:
    path = scope["path"]
    return path.startswith(AUDITED_PREFIXES) or (scope["method"] == "POST" and path in AUDITED_POSTS)


class AuditMiddleware:
    def __init__(self, app: ASGIApp, audit_log: Callable[[], AuditLog]) -> None:
        self.app = app
        self._audit_log = audit_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_audited(scope):
            await self.app(scope, receive, send)
            return
        entry = AuditEntry()
        scope.setdefault("state", {})["audit"] = entry
        started = time.perf_counter()
        refused_response = False

        async def audited_send(message: Message) -> None:
            nonlocal refused_response
            if message["type"] == "http.response.start":
                try:
                    await run_in_threadpool(self._write, scope, entry, message["status"], started)
                except AuditWriteError as exc:
                    refused_response = True
                    await error_response(exc, scope)(scope, receive, send)
                    return
                message["headers"] = [*message.get("headers", []), (b"x-request-id", entry.request_id.encode())]
            if not refused_response:
                await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            if not entry.written:
                try:
                    await run_in_threadpool(self._write, scope, entry, 500, started)
                except AuditWriteError:
                    pass  # already failing; the error handler answers 500
            raise

    def _write(self, scope: Scope, entry: AuditEntry, status: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or scope["path"]
        client = scope.get("client")
        record = AuditRecord(
            request_id=entry.request_id,
            user=entry.user or "-",
            role=entry.role,
            action=entry.action or f"{scope['method']} {template}",
            method=scope["method"],
            path=scope["path"],
            client=client[0] if client else None,
            status=status,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            question=entry.question,
            retrieved=entry.retrieved,
            cited=entry.cited,
            refused=entry.refused,
            dropped_claims=entry.dropped_claims,
            backend=entry.backend,
            model=entry.model,
            detail=entry.detail,
            feedback=entry.feedback,
        )
        self._audit_log().append(record)
        entry.written = True
