"""The audit log: encrypted, hash-chained, append-only; verify, export and retention purge.

Each record is sealed with the key ring's `audit` key (AES-256-GCM; the associated data binds its
sequence number) and chained by an HMAC under a sub-key derived from that key. Only the sequence
number and time are readable on disk, so a purge can pick old segments without decrypting anything.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kb.errors import AuditWriteError, KbError, KeyringError
from kb.keyring import KeyRing
from serving.audit.audit_record import AuditRecord, StoredAuditRecord
from serving.audit.chain import AUDIT_KEY, GENESIS_MAC, Anchor, ChainKey, Line, record_aad
from serving.audit.segments import SegmentFiles, parse_line, segment_month

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class AuditIntegrityError(KbError):
    """The audit chain does not verify; nothing that would destroy evidence is done."""

    http_status = 500


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    records: int
    first_seq: int | None = None
    last_seq: int | None = None
    first_bad_seq: int | None = None
    problem: str | None = None

    def describe(self) -> str:
        if self.ok:
            if not self.records:
                return "audit log verified: no records"
            return f"audit log verified: {self.records} records, #{self.first_seq}..#{self.last_seq}, chain intact"
        return f"audit log FAILED verification at record #{self.first_bad_seq}: {self.problem}"


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    segments_removed: list[str]
    through_seq: int | None


@dataclass(frozen=True)
class _Tail:
    seq: int
    mac: str
    segment: Path | None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class AuditLog:
    def __init__(self, directory: Path, keyring: KeyRing, clock: Clock = utc_now) -> None:
        self._files = SegmentFiles(directory)
        self._keyring = keyring
        self._clock = clock
        try:
            keyring.ensure(AUDIT_KEY)
            self._chain = ChainKey(keyring)
        except (KeyringError, OSError) as exc:
            raise AuditWriteError(f"the audit key cannot be opened: {exc}") from None

    @property
    def directory(self) -> Path:
        return self._files.directory

    # ---- writing -------------------------------------------------------------------------------------------
    def append(self, record: AuditRecord) -> StoredAuditRecord:
        """Seal, chain and fsync one record. Any failure raises AuditWriteError: the caller must fail closed."""
        try:
            with self._files.locked(exclusive=True):
                return self._append_locked(record)
        except AuditWriteError:
            raise
        except (OSError, ValueError, KeyError, TypeError, KbError) as exc:
            log.error("audit write failed: %s", type(exc).__name__)
            raise AuditWriteError(f"the audit record could not be written ({type(exc).__name__})") from None

    def _append_locked(self, record: AuditRecord) -> StoredAuditRecord:
        tail = self._tail()
        now = self._clock().astimezone(timezone.utc)
        seq = tail.seq + 1
        time = now.isoformat(timespec="microseconds")
        sealed = self._keyring.seal(AUDIT_KEY, record.model_dump_json().encode("utf-8"), record_aad(seq))
        line = Line(seq=seq, time=time, sealed=sealed, mac=self._chain.line_mac(seq, time, sealed, tail.mac))
        self._files.append(self._segment_for(now, tail), line)
        self._files.write_head(self._chain.head(seq, line.mac))
        return StoredAuditRecord(seq=seq, time=now, **record.model_dump())

    def _tail(self) -> _Tail:
        """The newest record, checked against the head checkpoint, which also proves our key is the log's key."""
        segments = self._files.segments()
        tail: _Tail | None = None
        for segment in reversed(segments):
            self._files.cut_torn_tail(segment)
            text = self._files.last_line(segment)
            if text is not None:
                line = parse_line(text)
                tail = _Tail(line.seq, line.mac, segment)
                break
        anchor = self._files.read_anchor()
        if anchor is not None and not self._chain.anchor_is_valid(anchor):
            raise AuditWriteError("the audit anchor does not verify under this key: run `kb audit verify`")
        if tail is None:
            tail = _Tail(anchor.through_seq, anchor.through_mac, None) if anchor else _Tail(0, GENESIS_MAC, None)
        head = self._files.read_head()
        if head is None:
            first = anchor.through_seq + 1 if anchor else 1
            if tail.seq > first:
                raise AuditWriteError("the audit head checkpoint is missing: run `kb audit verify`")
            return tail
        if not self._chain.head_is_valid(head):
            raise AuditWriteError("the audit log does not verify under this key (wrong key or altered head)")
        head_matches = (head.seq, head.mac) == (tail.seq, tail.mac)
        crashed_after_append = head.seq == tail.seq - 1
        if not (head_matches or crashed_after_append):
            raise AuditWriteError(f"the audit log ends at #{tail.seq} but its head says #{head.seq}: run `kb audit verify`")
        return tail

    def _segment_for(self, now: datetime, tail: _Tail) -> Path:
        month = now.strftime("%Y-%m")
        if tail.segment is not None and segment_month(tail.segment) > month:
            return tail.segment  # the clock went back: never write into an older segment
        return self._files.segment_for(month)

    # ---- verification --------------------------------------------------------------------------------------
    def verify(self) -> VerifyReport:
        """Walk the whole chain; name the first record that was edited, deleted, inserted or moved."""
        with self._files.locked(exclusive=False):
            return _ChainWalk(self._files, self._chain).run()

    # ---- reading -------------------------------------------------------------------------------------------
    def export(self, since: datetime | None = None, until: datetime | None = None) -> list[StoredAuditRecord]:
        """Decrypt records with since <= time < until, feedback joined to the records it is about.

        A record that does not open raises KeyringError: an export never silently skips evidence."""
        records = list(self._records(since, until))
        by_request = {r.request_id: r for r in records if r.feedback is None}
        for record in records:
            if record.feedback is not None and record.feedback.request_id in by_request:
                by_request[record.feedback.request_id].feedback_received.append(record.feedback)
        return records

    def _records(self, since: datetime | None, until: datetime | None) -> Iterator[StoredAuditRecord]:
        since_month = since.astimezone(timezone.utc).strftime("%Y-%m") if since else None
        for segment in self._files.segments():
            # A segment holds records of its own month or, after the clock went back, earlier ones: so
            # a segment can be skipped for `since`, but any later segment may still hold a record before `until`.
            if since_month is not None and segment_month(segment) < since_month:
                continue
            for _, text in self._files.complete_lines(segment):
                line = parse_line(text)
                time = datetime.fromisoformat(line.time)
                if (since is not None and time < since) or (until is not None and time >= until):
                    continue
                yield self._open(line, time)

    def _open(self, line: Line, time: datetime) -> StoredAuditRecord:
        plain = self._keyring.open_sealed(AUDIT_KEY, line.sealed, record_aad(line.seq))
        return StoredAuditRecord(seq=line.seq, time=time, **json.loads(plain))

    # ---- retention -----------------------------------------------------------------------------------------
    def purge(self, retention_days: int, purged_by: AuditRecord) -> PurgeReport:
        """Remove whole segments whose newest record is older than the retention period.

        The chain is verified first; an anchor keeps the oldest remaining record verifiable; the purge
        itself is then recorded (`purged_by`)."""
        cutoff = self._clock().astimezone(timezone.utc) - timedelta(days=retention_days)
        with self._files.locked(exclusive=True):
            report = _ChainWalk(self._files, self._chain).run()
            if not report.ok:
                raise AuditIntegrityError(f"refusing to purge: {report.describe()}")
            expired: list[tuple[Path, Line]] = []
            for segment in self._files.segments():
                text = self._files.last_line(segment)
                if text is None:
                    continue
                last = parse_line(text)
                if datetime.fromisoformat(last.time) >= cutoff:
                    break
                expired.append((segment, last))
            if expired:
                through = expired[-1][1]
                purged_at = self._clock().astimezone(timezone.utc).isoformat(timespec="seconds")
                self._files.write_anchor(self._chain.anchor(through.seq, through.mac, through.time, purged_at))
                for segment, _ in expired:
                    self._files.delete(segment)
        detail = f"cutoff {cutoff.date().isoformat()}; removed {len(expired)} segment(s)"
        if expired:
            detail += f" through #{expired[-1][1].seq}"
        self.append(purged_by.model_copy(update={"detail": detail}))
        return PurgeReport(
            cutoff=cutoff,
            segments_removed=[segment.name for segment, _ in expired],
            through_seq=expired[-1][1].seq if expired else None,
        )


class _ChainWalk:
    """One pass over anchor, segments and head; stops at the first problem."""

    def __init__(self, files: SegmentFiles, chain: ChainKey) -> None:
        self._files = files
        self._chain = chain

    def run(self) -> VerifyReport:
        try:
            anchor = self._files.read_anchor()
            head = self._files.read_head()
        except (ValueError, TypeError, KeyError) as exc:
            return VerifyReport(False, 0, first_bad_seq=None, problem=f"a checkpoint file is unreadable ({exc})")
        if anchor is not None and not self._chain.anchor_is_valid(anchor):
            return self._bad(anchor.through_seq + 1, "the purge anchor was altered (or the key is wrong)", 0)
        expected = anchor.through_seq + 1 if anchor else 1
        previous = anchor.through_mac if anchor else GENESIS_MAC
        first_seq: int | None = None
        checked = 0
        head_seen = head is None or (anchor is not None and (head.seq, head.mac) == (anchor.through_seq, anchor.through_mac))
        for segment in self._files.segments():
            for number, text in self._files.complete_lines(segment):
                try:
                    line = parse_line(text)
                except (ValueError, KeyError):
                    return self._bad(expected, f"{segment.name} line {number} is not an audit record", checked)
                if anchor is not None and line.seq <= anchor.through_seq:
                    if line.seq == anchor.through_seq and line.mac != anchor.through_mac:
                        return self._bad(line.seq, "the record the purge anchor names was altered", checked)
                    continue  # left behind by an interrupted purge
                if line.seq != expected:
                    return self._bad(expected, _sequence_problem(expected, line.seq), checked)
                if not self._chain.line_is_valid(line, previous):
                    return self._bad(line.seq, f"record #{line.seq} was altered or forged (MAC mismatch)", checked)
                if head is not None and line.seq == head.seq:
                    if line.mac != head.mac:
                        return self._bad(line.seq, f"record #{line.seq} differs from the head checkpoint", checked)
                    head_seen = True
                first_seq = line.seq if first_seq is None else first_seq
                previous = line.mac
                expected += 1
                checked += 1
        last_seq = expected - 1
        if head is not None and not self._chain.head_is_valid(head):
            return self._bad(head.seq, "the head checkpoint was altered (or the key is wrong)", checked)
        if not head_seen:
            return self._bad(last_seq + 1, f"records after #{last_seq} are missing (log truncated)", checked)
        if head is None and checked > 1:
            return self._bad(last_seq, "the head checkpoint is missing", checked)
        return VerifyReport(True, checked, first_seq=first_seq, last_seq=last_seq if checked else None)

    @staticmethod
    def _bad(seq: int | None, problem: str, checked: int) -> VerifyReport:
        return VerifyReport(False, checked, first_bad_seq=seq, problem=problem)


def _sequence_problem(expected: int, found: int) -> str:
    if found > expected:
        return f"record #{expected} is missing or out of order (found #{found} in its place)"
    return f"record #{found} appears again or out of order where #{expected} belongs (inserted or moved)"
