"""Key rotation. Master rotation re-wraps the data keys (content untouched); data-key rotation starts new
versions and re-seals every chunk under them. Old versions stay in the ring so older audit records open."""

from __future__ import annotations

import os
from pathlib import Path

from kb.errors import KeyringError
from kb.keyring import encode_key, generate_key
from kb.services import Services
from store.encrypted import collection_key_name

PENDING_SUFFIX = ".new"


def rotate_keys(services: Services, new_master_key_file: Path | None, data_keys: bool) -> str:
    settings = services.settings
    keyring = services.keyring
    old_fingerprint = keyring.master_fingerprint
    new_master = generate_key()
    lines = []

    if settings.master_key is not None:
        if new_master_key_file is None:
            raise KeyringError(
                "the master key comes from KB_MASTER_KEY: pass --new-master-key-file F, then put F's content "
                "into KB_MASTER_KEY (or the Kubernetes Secret)"
            )
        _write_secret(new_master_key_file, encode_key(new_master))
        keyring.rotate_master(new_master)
        lines.append(f"new master key written to {new_master_key_file}; update KB_MASTER_KEY with it now")
    else:
        key_file = settings.resolved_master_key_file()
        pending = key_file.with_name(key_file.name + PENDING_SUFFIX)
        _write_secret(pending, encode_key(new_master))
        keyring.rotate_master(new_master)
        os.replace(pending, key_file)
        lines.append(f"master key in {key_file} replaced")
    lines.insert(0, f"master key rotated: {old_fingerprint} -> {keyring.master_fingerprint}; data keys re-wrapped")

    if data_keys:
        for collection in services.corpus.collections:
            keyring.add_data_key_version(collection_key_name(collection.name))
        keyring.add_data_key_version("audit")
        rewritten = services.store.reencrypt()
        lines.append(f"data keys rotated; {rewritten} chunks re-encrypted under the new versions")
    return "\n".join(lines)


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
