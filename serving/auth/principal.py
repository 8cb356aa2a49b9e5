"""Who is asking: the validated token's subject, kb role and MFA evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kb.models import ROLES

# Most privileged first: a user holding several roles acts with the broadest one.
ROLE_PRECEDENCE = ("admin", "coder", "front_desk")

# RFC 8176 authentication method references that show a second factor or a phishing-resistant one.
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "sc", "fpt", "face", "iris", "retina", "vbm", "pop"})

_ROLE_PREFIXES = ("/kb/", "kb/", "kb:", "kb-", "kb_", "kb.")


@dataclass(frozen=True)
class Principal:
    subject: str
    username: str
    roles: tuple[str, ...]
    amr: tuple[str, ...] = ()
    token_id: str | None = None

    @property
    def role(self) -> str:
        """The role this request acts with (the broadest one held)."""
        return next(role for role in ROLE_PRECEDENCE if role in self.roles)

    @property
    def has_mfa(self) -> bool:
        return any(method.lower() in MFA_METHODS for method in self.amr)

    @property
    def audit_name(self) -> str:
        return self.subject if self.username in ("", self.subject) else f"{self.subject} ({self.username})"


def claim_at_path(claims: Mapping[str, object], dotted_path: str) -> object:
    """`realm_access.roles` -> claims["realm_access"]["roles"]; a key that itself holds dots wins if present."""
    if dotted_path in claims:
        return claims[dotted_path]
    value: object = claims
    for part in dotted_path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def kb_role(name: str) -> str | None:
    """An IdP role or group name as a kb role: `admin`, `kb-admin`, `/kb/front-desk`, `KB_Coder`..."""
    text = name.strip().lower()
    for prefix in _ROLE_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = text.replace("-", "_").replace(" ", "_")
    return text if text in ROLES else None


def roles_from_claims(claims: Mapping[str, object], dotted_path: str) -> tuple[str, ...]:
    raw = claim_at_path(claims, dotted_path)
    if isinstance(raw, str):
        names = raw.replace(",", " ").split()
    elif isinstance(raw, list | tuple):
        names = [item for item in raw if isinstance(item, str)]
    else:
        names = []
    found = {role for role in (kb_role(name) for name in names) if role}
    return tuple(role for role in ROLE_PRECEDENCE if role in found)


def methods_from_claims(claims: Mapping[str, object]) -> tuple[str, ...]:
    raw = claims.get("amr")
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list):
        return tuple(item for item in raw if isinstance(item, str))
    return ()
