"""The audit log: sealed at rest, hash-chained, every kind of tampering named, purge keeps it verifiable."""

from __future__ import annotations

import json
import multiprocessing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kb.errors import AuditWriteError, KeyringError
from kb.keyring import KeyRing, generate_key
from serving.audit import AuditLog, AuditRecord, FeedbackNote, RetrievedChunk

PATIENT = "Zebulon Quackenbush"
START = datetime(2020, 1, 15, 9, 0, tzinfo=timezone.utc)


class SteppingClock:
    """Each reading is one day after the previous: records spread over months without waiting."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(days=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.step
        return current


@pytest.fixture
def keyring(tmp_path: Path) -> KeyRing:
    return KeyRing.create(tmp_path / "keys" / "keyring.json", generate_key(), "test")


def question_record(n: int, **extra: object) -> AuditRecord:
    return AuditRecord(
        request_id=f"req-{n}",
        user="alice",
        role="front_desk",
        action="ask",
        client="127.0.0.1",
        status=200,
        latency_ms=12.5,
        question=f"Can we send {PATIENT}'s chart (question {n}) to her lawyer?",
        retrieved=[RetrievedChunk(chunk_id=f"c{n}", sha256="ab" * 32, document="policy.md", collection="internal")],
        cited=["policy.md"],
        refused=False,
        dropped_claims=0,
        backend="extractive",
        **extra,
    )


def write_records(log: AuditLog, count: int) -> None:
    for n in range(1, count + 1):
        log.append(question_record(n))


def all_lines(audit_dir: Path) -> list[tuple[Path, int, str]]:
    found = []
    for segment in sorted((audit_dir / "segments").iterdir()):
        for index, text in enumerate(segment.read_text().splitlines()):
            found.append((segment, index, text))
    return found


def rewrite_line(path: Path, index: int, transform) -> None:
    lines = path.read_text().splitlines()
    lines[index] = transform(lines[index])
    path.write_text("".join(line + "\n" for line in lines))


def line_with_seq(audit_dir: Path, seq: int) -> tuple[Path, int, str]:
    return next(entry for entry in all_lines(audit_dir) if json.loads(entry[2])["seq"] == seq)


def test_a_fresh_chain_verifies_and_exports_what_was_written(tmp_path, keyring):
    log = AuditLog(tmp_path / "audit", keyring, clock=SteppingClock())
    write_records(log, 5)

    report = log.verify()
    assert report.ok and report.records == 5 and (report.first_seq, report.last_seq) == (1, 5)
    exported = log.export()
    assert [r.seq for r in exported] == [1, 2, 3, 4, 5]
    assert exported[2].question.startswith(f"Can we send {PATIENT}") and exported[2].user == "alice"
    assert exported[2].retrieved[0].chunk_id == "c3"


def test_nothing_readable_on_disk(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock())
    write_records(log, 3)

    for path in audit_dir.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            for secret in (PATIENT, "Quackenbush", "alice", "policy.md", "lawyer", "front_desk"):
                assert secret.encode() not in raw, f"{secret!r} readable in {path.name}"
            assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"


def test_an_edited_record_is_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock())
    write_records(log, 6)
    other = AuditLog(tmp_path / "other", keyring, clock=SteppingClock()).append(question_record(99))
    _ = other

    path, index, _ = line_with_seq(audit_dir, 4)
    other_line = json.loads(all_lines(tmp_path / "other")[0][2])

    def swap_ciphertext(text: str) -> str:
        line = json.loads(text)
        line["sealed"] = other_line["sealed"]  # a valid ciphertext under the same key
        return json.dumps(line)

    rewrite_line(path, index, swap_ciphertext)
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 4
    assert "altered" in report.problem


def test_an_edited_time_is_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock())
    write_records(log, 4)
    path, index, _ = line_with_seq(audit_dir, 2)
    rewrite_line(path, index, lambda text: text.replace("2020-01-16", "2020-01-17"))
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 2


def test_a_deleted_record_is_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock())
    write_records(log, 6)
    path, index, _ = line_with_seq(audit_dir, 3)
    lines = path.read_text().splitlines()
    del lines[index]
    path.write_text("".join(line + "\n" for line in lines))

    report = log.verify()
    assert not report.ok and report.first_bad_seq == 3 and "missing" in report.problem


def test_a_deleted_last_record_is_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock())
    write_records(log, 5)
    path, index, _ = line_with_seq(audit_dir, 5)
    lines = path.read_text().splitlines()
    path.write_text("".join(line + "\n" for line in lines[:index]))

    report = log.verify()
    assert not report.ok and report.first_bad_seq == 5 and "truncated" in report.problem
    with pytest.raises(AuditWriteError):
        log.append(question_record(6))


def test_an_inserted_record_is_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock())
    write_records(log, 4)
    path, index, text = line_with_seq(audit_dir, 2)
    forged = json.loads(text)
    forged["seq"] = 3
    lines = path.read_text().splitlines()
    lines.insert(index + 1, json.dumps(forged))
    for later in range(index + 2, len(lines)):
        shifted = json.loads(lines[later])
        shifted["seq"] += 1
        lines[later] = json.dumps(shifted)
    path.write_text("".join(line + "\n" for line in lines))

    report = log.verify()
    assert not report.ok and report.first_bad_seq == 3


def test_reordered_records_are_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock(step=timedelta(minutes=1)))
    write_records(log, 5)
    path, index, _ = line_with_seq(audit_dir, 2)
    lines = path.read_text().splitlines()
    lines[index], lines[index + 1] = lines[index + 1], lines[index]
    path.write_text("".join(line + "\n" for line in lines))

    report = log.verify()
    assert not report.ok and report.first_bad_seq == 2 and "out of order" in report.problem


def test_renumbered_reorder_is_still_named(tmp_path, keyring):
    """Swapping two records and swapping their sequence numbers back breaks the MAC chain instead."""
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock(step=timedelta(minutes=1)))
    write_records(log, 5)
    path, index, _ = line_with_seq(audit_dir, 3)
    lines = path.read_text().splitlines()
    a, b = json.loads(lines[index]), json.loads(lines[index + 1])
    a["seq"], b["seq"] = b["seq"], a["seq"]
    lines[index], lines[index + 1] = json.dumps(b), json.dumps(a)
    path.write_text("".join(line + "\n" for line in lines))

    report = log.verify()
    assert not report.ok and report.first_bad_seq == 3


def test_a_deleted_segment_is_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock(step=timedelta(days=20)))
    write_records(log, 6)
    segments = sorted((audit_dir / "segments").iterdir())
    assert len(segments) >= 3
    first_seq_of_second = json.loads(segments[1].read_text().splitlines()[0])["seq"]
    segments[1].unlink()

    report = log.verify()
    assert not report.ok and report.first_bad_seq == first_seq_of_second


def test_deleting_the_oldest_segment_without_a_purge_is_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock(step=timedelta(days=20)))
    write_records(log, 6)
    sorted((audit_dir / "segments").iterdir())[0].unlink()

    report = log.verify()
    assert not report.ok and report.first_bad_seq == 1


def test_purge_removes_old_segments_and_the_rest_still_verifies(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    clock = SteppingClock(step=timedelta(days=20))
    log = AuditLog(audit_dir, keyring, clock=clock)
    write_records(log, 12)  # about eight months of records
    clock.now = START + timedelta(days=400)

    purge = log.purge(retention_days=200, purged_by=AuditRecord(request_id="p", user="cli:ops", action="audit.purge"))
    assert purge.segments_removed and purge.through_seq is not None

    report = log.verify()
    assert report.ok, report.describe()
    assert report.first_seq == purge.through_seq + 1
    exported = log.export()
    assert all(r.time >= purge.cutoff - timedelta(days=31) for r in exported if r.action == "ask")
    assert exported[-1].action == "audit.purge" and "removed" in exported[-1].detail

    log.append(question_record(13))
    assert log.verify().ok

    # Deleting the oldest remaining segment is still detected after the purge.
    sorted((audit_dir / "segments").iterdir())[0].unlink()
    report = log.verify()
    assert not report.ok and report.first_bad_seq == purge.through_seq + 1


def test_purging_everything_keeps_the_chain_going(tmp_path, keyring):
    clock = SteppingClock(step=timedelta(days=1))
    log = AuditLog(tmp_path / "audit", keyring, clock=clock)
    write_records(log, 3)
    clock.now = START + timedelta(days=3000)
    purge = log.purge(retention_days=30, purged_by=AuditRecord(request_id="p", user="cli:ops", action="audit.purge"))
    assert purge.through_seq == 3
    assert log.verify().ok
    assert [r.seq for r in log.export()] == [4]


def test_an_altered_anchor_is_named(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    clock = SteppingClock(step=timedelta(days=20))
    log = AuditLog(audit_dir, keyring, clock=clock)
    write_records(log, 8)
    clock.now = START + timedelta(days=400)
    log.purge(retention_days=200, purged_by=AuditRecord(request_id="p", user="ops", action="audit.purge"))
    anchor = json.loads((audit_dir / "anchor.json").read_text())
    anchor["through_seq"] += 1  # try to hide the next record's deletion
    (audit_dir / "anchor.json").write_text(json.dumps(anchor))
    assert not log.verify().ok


def test_a_tampered_log_is_not_purged(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    clock = SteppingClock(step=timedelta(days=20))
    log = AuditLog(audit_dir, keyring, clock=clock)
    write_records(log, 8)
    path, index, _ = line_with_seq(audit_dir, 7)
    rewrite_line(path, index, lambda text: text.replace('"mac":"', '"mac":"00'))
    clock.now = START + timedelta(days=400)
    from serving.audit import AuditIntegrityError

    with pytest.raises(AuditIntegrityError):
        log.purge(retention_days=200, purged_by=AuditRecord(request_id="p", user="ops", action="audit.purge"))
    assert len(list((audit_dir / "segments").iterdir())) > 1


def test_the_wrong_key_fails_closed(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    write_records(AuditLog(audit_dir, keyring, clock=SteppingClock()), 3)
    before = {p: p.read_bytes() for p in audit_dir.rglob("*") if p.is_file()}

    stranger = KeyRing.create(tmp_path / "other-keys" / "keyring.json", generate_key(), "other")
    wrong = AuditLog(audit_dir, stranger, clock=SteppingClock())
    report = wrong.verify()
    assert not report.ok and report.first_bad_seq == 1
    with pytest.raises(AuditWriteError):
        wrong.append(question_record(4))
    with pytest.raises(KeyringError):
        wrong.export()
    after = {p: p.read_bytes() for p in audit_dir.rglob("*") if p.is_file() and p.name != ".lock"}
    assert after == {p: b for p, b in before.items() if p.name != ".lock"}


def test_an_unwritable_directory_raises_audit_write_error(tmp_path, keyring):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    log = AuditLog(blocker / "audit", keyring)
    with pytest.raises(AuditWriteError):
        log.append(question_record(1))


def test_a_torn_final_line_is_cut_and_the_chain_continues(tmp_path, keyring):
    audit_dir = tmp_path / "audit"
    log = AuditLog(audit_dir, keyring, clock=SteppingClock(step=timedelta(minutes=1)))
    write_records(log, 3)
    segment = sorted((audit_dir / "segments").iterdir())[-1]
    with open(segment, "a") as handle:
        handle.write('{"seq":4,"time":"2020-')  # a crash in the middle of an append
    assert log.verify().ok
    log.append(question_record(4))
    report = log.verify()
    assert report.ok and report.last_seq == 4


def test_feedback_is_joined_to_its_record(tmp_path, keyring):
    log = AuditLog(tmp_path / "audit", keyring, clock=SteppingClock(step=timedelta(minutes=1)))
    write_records(log, 2)
    log.append(
        AuditRecord(
            request_id="fb-1",
            user="alice",
            role="front_desk",
            action="feedback",
            feedback=FeedbackNote(request_id="req-2", rating="wrong_citation", comment="cites the wrong page"),
        )
    )
    by_id = {r.request_id: r for r in log.export()}
    assert [f.rating for f in by_id["req-2"].feedback_received] == ["wrong_citation"]
    assert by_id["req-1"].feedback_received == []


def test_export_window(tmp_path, keyring):
    log = AuditLog(tmp_path / "audit", keyring, clock=SteppingClock(step=timedelta(days=10)))
    write_records(log, 10)
    since, until = START + timedelta(days=30), START + timedelta(days=60)
    assert [r.seq for r in log.export(since, until)] == [4, 5, 6]


def _append_many(audit_dir: str, ring_path: str, master: bytes, worker: int) -> None:
    ring = KeyRing.open(Path(ring_path), master, "test")
    log = AuditLog(Path(audit_dir), ring)
    for n in range(15):
        log.append(question_record(worker * 100 + n))


def test_concurrent_writers_in_several_processes_keep_one_chain(tmp_path):
    master = generate_key()
    ring_path = tmp_path / "keys" / "keyring.json"
    ring = KeyRing.create(ring_path, master, "test")
    ring.ensure("audit")
    audit_dir = tmp_path / "audit"
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_many, args=(str(audit_dir), str(ring_path), master, w)) for w in range(3)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    report = AuditLog(audit_dir, ring).verify()
    assert report.ok and report.records == 45


def test_the_cli_exports_a_time_window_and_names_the_first_bad_record():
    from click.testing import CliRunner

    from kb.cli import main
    from kb.keyring import open_keyring
    from kb.settings import load_settings

    settings = load_settings()  # KB_HOME is the test's own folder
    log = AuditLog(settings.audit_dir, open_keyring(settings, create=True), clock=SteppingClock())
    write_records(log, 5)
    runner = CliRunner()

    verified = runner.invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0 and "5 records, #1..#5, chain intact" in verified.output
    exported = runner.invoke(main, ["audit", "export", "--since", "2020-01-16", "--until", "2020-01-18"])
    records = [json.loads(line) for line in exported.output.splitlines()]
    assert [r["request_id"] for r in records] == ["req-2", "req-3"]
    assert PATIENT in records[0]["question"]

    path, index, _ = line_with_seq(settings.audit_dir, 3)
    lines = path.read_text().splitlines()
    del lines[index]
    path.write_text("".join(line + "\n" for line in lines))
    broken = runner.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1 and "FAILED verification at record #3" in broken.output
