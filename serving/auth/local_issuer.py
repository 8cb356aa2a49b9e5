"""The built-in local issuer, the embedded default when no IdP is configured (KB_AUTH__ISSUER unset).

It signs short-lived RS256 tokens with a key generated at first start (KB_HOME/keys/local-issuer-key.pem,
mode 0600) and publishes that key as a JWKS. The service validates these tokens with the same
TokenVerifier it uses for Keycloak, Entra ID or Okta; only where the JWKS comes from differs.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from kb.errors import BadRequest, ConfigError
from kb.models import ROLES
from kb.settings import AuthSettings, Settings

LOCAL_ISSUER_ID = "urn:kb:local-issuer"
KEY_FILE_NAME = "local-issuer-key.pem"
SIGNING_ALGORITHM = "RS256"


class LocalIssuer:
    issuer = LOCAL_ISSUER_ID

    def __init__(self, key: RSAKey, auth: AuthSettings, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._auth = auth
        self._clock = clock

    @classmethod
    def open(cls, settings: Settings, clock: Callable[[], float] = time.time) -> "LocalIssuer":
        return cls(load_or_create_signing_key(settings.keys_dir / KEY_FILE_NAME), settings.auth, clock)

    @property
    def kid(self) -> str:
        return self._key.kid or ""

    def jwks(self) -> dict:
        """The public key set, exactly as `/oauth/jwks` serves it."""
        return KeySet([self._key]).as_dict(private=False)

    def fetch_jwks(self) -> dict:
        """SigningKeySource: hand the key set to the verifier without a network round trip."""
        return self.jwks()

    def mint(self, user: str, role: str, ttl_s: int | None = None, mfa: bool = False, audience: str | None = None) -> str:
        """A signed access token for `user` acting as `role`, valid for at most the configured token TTL."""
        if role not in ROLES:
            raise BadRequest(f"unknown role {role!r}; known roles: {', '.join(ROLES)}")
        user = user.strip()
        if not user or len(user) > 128:
            raise BadRequest("a user name of 1 to 128 characters is required")
        lifetime = min(ttl_s or self._auth.token_ttl_s, self._auth.token_ttl_s)
        now = int(self._clock())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": audience or self._auth.audience,
            "sub": user,
            "preferred_username": user,
            "azp": self._auth.client_id,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": secrets.token_urlsafe(12),
            "amr": ["pwd", "mfa"] if mfa else ["pwd"],
        }
        _place_claim(claims, self._auth.roles_claim, [role])
        header = {"alg": SIGNING_ALGORITHM, "kid": self.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._key, algorithms=[SIGNING_ALGORITHM])

    def metadata(self, base_url: str) -> dict:
        """OIDC discovery document; endpoint URLs point at this service as the browser reached it."""
        base = base_url.rstrip("/")
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "jwks_uri": f"{base}/oauth/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [SIGNING_ALGORITHM],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "profile"],
        }


def _place_claim(claims: dict[str, object], dotted_path: str, value: object) -> None:
    """Put roles where the verifier is configured to look (`roles`, `realm_access.roles`, `groups`...)."""
    parts = dotted_path.split(".")
    target = claims
    for part in parts[:-1]:
        nested = target.setdefault(part, {})
        if not isinstance(nested, dict):
            raise ConfigError(f"KB_AUTH__ROLES_CLAIM {dotted_path!r} collides with the standard claim {part!r}")
        target = nested
    target[parts[-1]] = value


def load_or_create_signing_key(path: Path) -> RSAKey:
    """Read the key, or create it once; concurrent first starts agree on one key (link is create-if-absent)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = RSAKey.generate_key(2048, private=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.as_pem(private=True))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        raise ConfigError(f"{path} is readable by other users; run `chmod 600 {path}`")
    try:
        key = RSAKey.import_key(path.read_bytes())
    except ValueError as exc:
        raise ConfigError(f"{path} is not a usable RSA private key ({exc})") from None
    return RSAKey.import_key(
        key.as_dict(private=True), parameters={"use": "sig", "alg": SIGNING_ALGORITHM, "kid": key.thumbprint()}
    )
