"""Append-only files for the audit log: monthly JSON-lines segments, two checkpoints, one lock file.

Layout under the audit directory:
    segments/audit-YYYY-MM.jsonl   one line per record, fsynced on append, mode 0600
    anchor.json                    written by a retention purge (chain.Anchor)
    head.json                      the newest record's MAC (chain.Head)
    .lock                          flock: one writer at a time across processes
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from serving.audit.chain import Anchor, Head, Line

SEGMENT_PREFIX = "audit-"
SEGMENT_SUFFIX = ".jsonl"
_TAIL_BLOCK = 1 << 16


def segment_name(month: str) -> str:
    return f"{SEGMENT_PREFIX}{month}{SEGMENT_SUFFIX}"


def segment_month(path: Path) -> str:
    return path.name[len(SEGMENT_PREFIX) : -len(SEGMENT_SUFFIX)]


def parse_line(text: str) -> Line:
    """A stored line; ValueError when it is not one."""
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    seq, time, sealed, mac = raw["seq"], raw["time"], raw["sealed"], raw["mac"]
    if not (isinstance(seq, int) and isinstance(time, str) and isinstance(sealed, str) and isinstance(mac, str)):
        raise ValueError("wrong field types")
    return Line(seq=seq, time=time, sealed=sealed, mac=mac)


class SegmentFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.segments_dir = directory / "segments"
        self._anchor_path = directory / "anchor.json"
        self._head_path = directory / "head.json"
        self._lock_path = directory / ".lock"

    def create_directories(self) -> None:
        self.segments_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    @contextmanager
    def locked(self, exclusive: bool) -> Iterator[None]:
        self.create_directories()
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    # ---- segments ------------------------------------------------------------------------------------------
    def segments(self) -> list[Path]:
        if not self.segments_dir.is_dir():
            return []
        found = [p for p in self.segments_dir.iterdir() if p.name.startswith(SEGMENT_PREFIX)]
        return sorted(p for p in found if p.name.endswith(SEGMENT_SUFFIX))

    def segment_for(self, month: str) -> Path:
        return self.segments_dir / segment_name(month)

    @staticmethod
    def complete_lines(path: Path) -> Iterator[tuple[int, str]]:
        """(line number, text) of every newline-terminated line; a torn final line is an append in flight."""
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            return
        with handle:
            for number, raw in enumerate(handle, 1):
                if raw.endswith(b"\n"):
                    yield number, raw.decode("utf-8", errors="replace").rstrip("\n")

    @staticmethod
    def last_line(path: Path) -> str | None:
        """The last complete line, read from the end so an append never scans the whole segment."""
        with open(path, "rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            data = b""
            position = end
            while position > 0:
                step = min(_TAIL_BLOCK, position)
                position -= step
                handle.seek(position)
                data = handle.read(step) + data
                complete = data[: data.rfind(b"\n") + 1] if b"\n" in data else b""
                body = complete.rstrip(b"\n")
                if b"\n" in body or (position == 0 and body):
                    return body[body.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")
            return None

    @staticmethod
    def cut_torn_tail(path: Path) -> None:
        """Drop bytes after the last newline: a write that never completed, so never acknowledged."""
        with open(path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            position = size
            while position > 0:
                step = min(_TAIL_BLOCK, position)
                position -= step
                handle.seek(position)
                block = handle.read(step)
                newline = block.rfind(b"\n")
                if newline >= 0:
                    handle.truncate(position + newline + 1)
                    return
            handle.truncate(0)

    def append(self, path: Path, line: Line) -> None:
        text = json.dumps(line.as_json(), separators=(",", ":")) + "\n"
        is_new = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            payload = text.encode("utf-8")
            written = os.write(fd, payload)
            if written != len(payload):
                raise OSError(f"short write to {path.name}")
            os.fsync(fd)
        finally:
            os.close(fd)
        if is_new:
            _fsync_directory(path.parent)

    def delete(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        _fsync_directory(path.parent)

    # ---- checkpoints ---------------------------------------------------------------------------------------
    def read_anchor(self) -> Anchor | None:
        raw = _read_json(self._anchor_path)
        return None if raw is None else Anchor(**raw)

    def write_anchor(self, anchor: Anchor) -> None:
        _write_json(self._anchor_path, asdict(anchor), durable=True)

    def read_head(self) -> Head | None:
        raw = _read_json(self._head_path)
        return None if raw is None else Head(**raw)

    def write_head(self, head: Head) -> None:
        # Not fsynced: a head that lags after a power cut only weakens the truncation check by the
        # records written since, and saves one fsync per request.
        _write_json(self._head_path, asdict(head), durable=False)


def _read_json(path: Path) -> dict | None:
    """None when absent; ValueError/TypeError/KeyError when present but not a checkpoint."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name} is not an object")
    return raw


def _write_json(path: Path, body: dict, durable: bool) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(body, handle)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(tmp, path)
    if durable:
        _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
