"""Encrypted, hash-chained, append-only audit log (HIPAA 164.312(b))."""

from serving.audit.audit_log import AuditIntegrityError, AuditLog, PurgeReport, VerifyReport
from serving.audit.audit_record import AuditRecord, FeedbackNote, RetrievedChunk, StoredAuditRecord

__all__ = [
    "AuditIntegrityError",
    "AuditLog",
    "AuditRecord",
    "FeedbackNote",
    "PurgeReport",
    "RetrievedChunk",
    "StoredAuditRecord",
    "VerifyReport",
]
