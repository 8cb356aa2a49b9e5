"""Reading the audit log for admins: filtering, the feedback queue, chain status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from serving.audit.audit_log import AuditLog
from serving.audit.audit_record import StoredAuditRecord


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    user: str | None = None
    action: str | None = None
    refused: bool | None = None
    with_feedback: bool = False

    def matches(self, record: StoredAuditRecord) -> bool:
        if self.user is not None and record.user.split(" (")[0] != self.user:
            return False
        if self.action is not None and record.action != self.action:
            return False
        if self.refused is not None and record.refused is not self.refused:
            return False
        return not self.with_feedback or bool(record.feedback_received)


class ChainStatus(BaseModel):
    ok: bool
    records: int
    first_seq: int | None
    last_seq: int | None
    first_bad_seq: int | None
    problem: str | None
    summary: str


class AuditService:
    def __init__(self, audit_log: AuditLog) -> None:
        self._log = audit_log

    def search(self, wanted: AuditFilter) -> list[StoredAuditRecord]:
        """Matching records, newest first. Blocking (decrypts): run it in a worker thread."""
        records = self._log.export(wanted.since, wanted.until)
        return [record for record in reversed(records) if wanted.matches(record)]

    def verify(self) -> ChainStatus:
        report = self._log.verify()
        return ChainStatus(
            ok=report.ok,
            records=report.records,
            first_seq=report.first_seq,
            last_seq=report.last_seq,
            first_bad_seq=report.first_bad_seq,
            problem=report.problem,
            summary=report.describe(),
        )
