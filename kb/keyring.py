"""The one key ring: a master key wraps versioned data keys; data keys seal content with AES-256-GCM.

Key names: `collection:<name>` per corpus collection, `audit` for the audit log, and `index` for the
keyed term hashing and the secret vector rotation (stable across data-key rotation, since changing
it means re-embedding everything).

The ring lives in KB_HOME/keys/keyring.json; it holds only wrapped keys. The master key comes from
KB_MASTER_KEY (base64) or a file (KB_HOME/keys/master.key by default, a Kubernetes Secret in production).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kb.errors import KeyringError
from kb.settings import Settings

KEY_BYTES = 32
NONCE_BYTES = 12
TOKEN_FORMAT = 1
_MASTER_CHECK = b"kb-master-key-check"


def generate_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def decode_master_key(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise KeyringError(f"master key from {source} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"master key from {source} must be 32 bytes (base64 of 32 random bytes), got {len(key)}")
    return key


def fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"kb-fingerprint" + key).hexdigest()[:12]


def _seal_raw(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open_raw(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)


@dataclass
class _KeyVersions:
    current: int
    wrapped: dict[int, str] = field(default_factory=dict)
    created: dict[int, str] = field(default_factory=dict)


class KeyRing:
    """Unwrapped data keys in memory; the ring file on disk holds them wrapped by the master key."""

    def __init__(self, path: Path, master_key: bytes, master_source: str) -> None:
        self._path = path
        self._master = master_key
        self._master_source = master_source
        self._keys: dict[str, _KeyVersions] = {}
        self._plain: dict[tuple[str, int], bytes] = {}

    # ---- opening -------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, master_key: bytes, master_source: str) -> "KeyRing":
        """Open an existing ring; a wrong master key fails closed before anything is written."""
        if not path.is_file():
            raise KeyringError(f"no key ring at {path}: run `kb ingest` to create a store first")
        ring = cls(path, master_key, master_source)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KeyringError(f"key ring {path} is unreadable: {exc}") from None
        try:
            _open_raw(master_key, base64.b64decode(raw["master_check"]), _MASTER_CHECK)
        except (InvalidTag, KeyError, ValueError):
            raise KeyringError(
                f"the master key from {master_source} (fingerprint {fingerprint(master_key)}) does not open "
                f"the key ring at {path}: wrong key. Nothing was read or written."
            ) from None
        for name, entry in raw["keys"].items():
            ring._keys[name] = _KeyVersions(
                current=int(entry["current"]),
                wrapped={int(v): w for v, w in entry["wrapped"].items()},
                created={int(v): c for v, c in entry.get("created", {}).items()},
            )
        return ring

    @classmethod
    def create(cls, path: Path, master_key: bytes, master_source: str) -> "KeyRing":
        if path.exists():
            raise KeyringError(f"a key ring already exists at {path}")
        ring = cls(path, master_key, master_source)
        ring._save()
        return ring

    # ---- data keys -----------------------------------------------------------------------------------------
    def ensure(self, name: str) -> None:
        """Create key `name` (version 1) if it does not exist yet."""
        if name not in self._keys:
            self._add_version(name)
            self._save()

    def current_version(self, name: str) -> int:
        self.ensure(name)
        return self._keys[name].current

    def key(self, name: str, version: int | None = None) -> bytes:
        self.ensure(name)
        versions = self._keys[name]
        version = versions.current if version is None else version
        cached = self._plain.get((name, version))
        if cached is not None:
            return cached
        wrapped = versions.wrapped.get(version)
        if wrapped is None:
            raise KeyringError(f"key {name} has no version {version} in {self._path}")
        try:
            plain = _open_raw(self._master, base64.b64decode(wrapped), self._wrap_aad(name, version))
        except InvalidTag:
            raise KeyringError(f"key {name} v{version} in {self._path} does not unwrap: ring tampered or wrong key")
        self._plain[(name, version)] = plain
        return plain

    def derive(self, name: str, purpose: str, length: int = 32) -> bytes:
        """A sub-key for a named purpose, derived from version 1 of `name` so it never changes."""
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()).derive(
            self.key(name, version=1)
        )

    # ---- sealing -------------------------------------------------------------------------------------------
    def seal(self, name: str, plaintext: bytes, aad: bytes) -> str:
        """Encrypt under the current version of `name`; the token records the version."""
        version = self.current_version(name)
        blob = _seal_raw(self.key(name, version), plaintext, self._content_aad(name, version, aad))
        return base64.b64encode(struct.pack(">BI", TOKEN_FORMAT, version) + blob).decode("ascii")

    def open_sealed(self, name: str, token: str, aad: bytes) -> bytes:
        raw = base64.b64decode(token)
        token_format, version = struct.unpack(">BI", raw[:5])
        if token_format != TOKEN_FORMAT:
            raise KeyringError(f"unknown ciphertext format {token_format}")
        try:
            return _open_raw(self.key(name, version), raw[5:], self._content_aad(name, version, aad))
        except InvalidTag:
            raise KeyringError(
                f"ciphertext under key {name} v{version} failed authentication: it was altered or moved"
            ) from None

    @staticmethod
    def token_version(token: str) -> int:
        return struct.unpack(">BI", base64.b64decode(token)[:5])[1]

    # ---- rotation ------------------------------------------------------------------------------------------
    def rotate_master(self, new_master: bytes) -> None:
        """Re-wrap every data key under a new master key. Data and ciphertexts are untouched."""
        for name, versions in self._keys.items():
            for version in versions.wrapped:
                self.key(name, version)
        self._master = new_master
        for name, versions in self._keys.items():
            for version in versions.wrapped:
                versions.wrapped[version] = self._wrap(name, version, self._plain[(name, version)])
        self._save()

    def add_data_key_version(self, name: str) -> int:
        """Start a new version of `name`; new seals use it, old ciphertexts still open until re-encrypted."""
        self.ensure(name)
        version = self._add_version(name)
        self._save()
        return version

    def names(self) -> list[str]:
        return sorted(self._keys)

    def describe(self) -> dict[str, dict[str, object]]:
        return {
            name: {"current": v.current, "versions": sorted(v.wrapped), "created": v.created}
            for name, v in sorted(self._keys.items())
        }

    @property
    def master_fingerprint(self) -> str:
        return fingerprint(self._master)

    # ---- internals -----------------------------------------------------------------------------------------
    def _add_version(self, name: str) -> int:
        versions = self._keys.get(name)
        version = 1 if versions is None else max(versions.wrapped) + 1
        plain = generate_key()
        if versions is None:
            versions = self._keys[name] = _KeyVersions(current=version)
        versions.wrapped[version] = self._wrap(name, version, plain)
        versions.created[version] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        versions.current = version
        self._plain[(name, version)] = plain
        return version

    def _wrap(self, name: str, version: int, plain: bytes) -> str:
        return base64.b64encode(_seal_raw(self._master, plain, self._wrap_aad(name, version))).decode("ascii")

    @staticmethod
    def _wrap_aad(name: str, version: int) -> bytes:
        return f"kb-wrap|{name}|v{version}".encode()

    @staticmethod
    def _content_aad(name: str, version: int, aad: bytes) -> bytes:
        return f"kb-data|{name}|v{version}|".encode() + aad

    def _save(self) -> None:
        body = {
            "format": 1,
            "master_fingerprint": fingerprint(self._master),
            "master_check": base64.b64encode(_seal_raw(self._master, b"ok", _MASTER_CHECK)).decode("ascii"),
            "keys": {
                name: {
                    "current": v.current,
                    "wrapped": {str(k): w for k, w in v.wrapped.items()},
                    "created": {str(k): c for k, c in v.created.items()},
                }
                for name, v in self._keys.items()
            },
        }
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, self._path)


def read_master_key(env_value: str | None, key_file: Path, create_if_absent: bool) -> tuple[bytes, str]:
    """The master key and where it came from. Only a brand-new home may generate one."""
    if env_value:
        return decode_master_key(env_value, "KB_MASTER_KEY"), "KB_MASTER_KEY"
    if key_file.is_file():
        return decode_master_key(key_file.read_text(encoding="ascii"), str(key_file)), str(key_file)
    if not create_if_absent:
        raise KeyringError(f"no master key: set KB_MASTER_KEY or provide the key file {key_file}. Nothing was written.")
    key = generate_key()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(encode_key(key) + "\n")
    return key, str(key_file)


def open_keyring(settings: Settings, create: bool = False) -> KeyRing:
    """Open the ring for these settings. `create` allows a first run to make both master key and ring."""
    ring_path = settings.keys_dir / "keyring.json"
    ring_exists = ring_path.is_file()
    env_value = settings.master_key.get_secret_value() if settings.master_key else None
    master, source = read_master_key(env_value, settings.resolved_master_key_file(), create and not ring_exists)
    if ring_exists:
        try:
            return KeyRing.open(ring_path, master, source)
        except KeyringError:
            recovered = _finish_interrupted_rotation(settings, ring_path)
            if recovered is None:
                raise
            return recovered
    if not create:
        raise KeyringError(f"no key ring at {ring_path}: run `kb ingest` to create a store first")
    return KeyRing.create(ring_path, master, source)


def _finish_interrupted_rotation(settings: Settings, ring_path: Path) -> KeyRing | None:
    """A rotation killed after re-wrapping the ring but before replacing the key file leaves
    `master.key.new` as the only key that opens the ring: finish the replacement."""
    key_file = settings.resolved_master_key_file()
    pending = key_file.with_name(key_file.name + ".new")
    if settings.master_key is not None or not pending.is_file():
        return None
    master = decode_master_key(pending.read_text(encoding="ascii"), str(pending))
    try:
        ring = KeyRing.open(ring_path, master, str(key_file))
    except KeyringError:
        return None
    os.replace(pending, key_file)
    return ring
