"""Sign-in for the built-in local issuer: demo users and single-use PKCE authorization codes.

Demo users (one per role) are created at first start with random passwords in
KB_HOME/keys/local-users.json (mode 0600): demo-front-desk, demo-coder, demo-admin. `kb serve` prints
them on loopback. This is a demo identity provider; production points KB_AUTH__ISSUER at the practice's IdP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb.errors import ConfigError
from kb.models import ROLES

DEMO_USERS = {"demo-front-desk": "front_desk", "demo-coder": "coder", "demo-admin": "admin"}
USERS_FILE_NAME = "local-users.json"
CODE_TTL_S = 60.0
MAX_PENDING_CODES = 1000


@dataclass(frozen=True)
class LocalUser:
    username: str
    role: str
    password: str


class LocalUsers:
    def __init__(self, users: dict[str, LocalUser]) -> None:
        self._users = users

    @classmethod
    def open(cls, keys_dir: Path) -> "LocalUsers":
        path = keys_dir / USERS_FILE_NAME
        if not path.is_file():
            _create_demo_users(path)
        if path.stat().st_mode & 0o077:
            raise ConfigError(f"{path} is readable by other users; run `chmod 600 {path}`")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            users = {name: LocalUser(name, entry["role"], entry["password"]) for name, entry in raw.items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{path} is not a local users file ({type(exc).__name__})") from None
        return cls(users)

    def all(self) -> list[LocalUser]:
        order = {role: index for index, role in enumerate(ROLES)}
        return sorted(self._users.values(), key=lambda user: (order.get(user.role, len(order)), user.username))

    def check(self, username: str, password: str) -> LocalUser | None:
        user = self._users.get(username)
        expected = user.password if user else secrets.token_urlsafe(16)  # same work for unknown names
        matches = hmac.compare_digest(password.encode("utf-8"), expected.encode("utf-8"))
        return user if user and matches else None


def _create_demo_users(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = {name: {"role": role, "password": secrets.token_urlsafe(12)} for name, role in DEMO_USERS.items()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(body, handle, indent=1)
    try:
        os.link(tmp, path)  # a concurrent first start keeps whichever file landed first
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class _PendingCode:
    user: LocalUser
    client_id: str
    redirect_uri: str
    code_challenge: str
    expires_at: float


class AuthorizationCodes:
    """Single-use codes bound to client, redirect URI and PKCE challenge (S256 only). In memory: one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, _PendingCode] = {}

    def issue(self, user: LocalUser, client_id: str, redirect_uri: str, code_challenge: str) -> str:
        code = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._pending = {c: p for c, p in self._pending.items() if p.expires_at > now}
            if len(self._pending) >= MAX_PENDING_CODES:
                self._pending.pop(next(iter(self._pending)))
            self._pending[code] = _PendingCode(user, client_id, redirect_uri, code_challenge, now + CODE_TTL_S)
        return code

    def redeem(self, code: str, client_id: str, redirect_uri: str, code_verifier: str) -> LocalUser | None:
        with self._lock:
            pending = self._pending.pop(code, None)
        if pending is None or pending.expires_at <= self._clock():
            return None
        if pending.client_id != client_id or pending.redirect_uri != redirect_uri:
            return None
        if not hmac.compare_digest(s256_challenge(code_verifier), pending.code_challenge):
            return None
        return pending.user


def s256_challenge(code_verifier: str) -> str:
    digest = hashlib.sha256(code_verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
