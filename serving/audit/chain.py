"""The hash chain: each line's MAC covers its own sealed content and the previous line's MAC.

Two small checkpoints, each MACed with the same chain key, close the chain's two open ends:
- the anchor, written by a retention purge, holds the MAC of the last purged record, so the oldest
  remaining record still chains to something and deleting more than was purged is detected;
- the head holds the MAC of the newest record, so cutting records off the end is detected.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from kb.keyring import KeyRing

AUDIT_KEY = "audit"
CHAIN_PURPOSE = "audit-chain-mac"
GENESIS_MAC = "0" * 64
LINE_FORMAT = "kb-audit-v1"


@dataclass(frozen=True)
class Line:
    """One record as stored: only the sequence number and time are readable."""

    seq: int
    time: str
    sealed: str
    mac: str

    def as_json(self) -> dict[str, object]:
        return {"seq": self.seq, "time": self.time, "sealed": self.sealed, "mac": self.mac}


@dataclass(frozen=True)
class Anchor:
    """Written by a purge: records up to `through_seq` are gone; `through_mac` was the last one's MAC."""

    through_seq: int
    through_mac: str
    through_time: str
    purged_at: str
    mac: str


@dataclass(frozen=True)
class Head:
    seq: int
    mac: str
    check: str


class ChainKey:
    def __init__(self, keyring: KeyRing) -> None:
        self._key = keyring.derive(AUDIT_KEY, CHAIN_PURPOSE)

    def _mac(self, *parts: object) -> str:
        message = "|".join(str(part) for part in parts).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def line_mac(self, seq: int, time: str, sealed: str, previous_mac: str) -> str:
        return self._mac(LINE_FORMAT, seq, time, sealed, previous_mac)

    def line_is_valid(self, line: Line, previous_mac: str) -> bool:
        return hmac.compare_digest(line.mac, self.line_mac(line.seq, line.time, line.sealed, previous_mac))

    def anchor(self, through_seq: int, through_mac: str, through_time: str, purged_at: str) -> Anchor:
        mac = self._mac("kb-audit-anchor", through_seq, through_mac, through_time, purged_at)
        return Anchor(through_seq, through_mac, through_time, purged_at, mac)

    def anchor_is_valid(self, anchor: Anchor) -> bool:
        expected = self.anchor(anchor.through_seq, anchor.through_mac, anchor.through_time, anchor.purged_at)
        return hmac.compare_digest(anchor.mac, expected.mac)

    def head(self, seq: int, mac: str) -> Head:
        return Head(seq, mac, self._mac("kb-audit-head", seq, mac))

    def head_is_valid(self, head: Head) -> bool:
        return hmac.compare_digest(head.check, self.head(head.seq, head.mac).check)


def record_aad(seq: int) -> bytes:
    """Binds a sealed record to its sequence number: a ciphertext moved to another line fails to open."""
    return f"kb-audit-record|{seq}".encode("ascii")
