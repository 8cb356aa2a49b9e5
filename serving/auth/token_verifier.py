"""Bearer-token validation: one code path for the practice's IdP and for the built-in local issuer.

Only the source of the JWKS differs (`SigningKeySource`): over HTTP through OIDC discovery, or the local
issuer's key set handed over directly. Everything after that (algorithm allow-list, key lookup with a
rate-limited refresh on an unknown `kid`, signature, iss/aud/exp/nbf, roles) is shared.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import Key, KeySet

from serving.auth.principal import Principal, methods_from_claims, roles_from_claims
from serving.errors import AuthenticationFailed, IdentityProviderUnavailable

log = logging.getLogger(__name__)

# Asymmetric only: an HMAC algorithm would let anyone holding the public key sign, and `none` signs nothing.
ACCEPTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
MAX_TOKEN_BYTES = 16 * 1024


class SigningKeySource(Protocol):
    def fetch_jwks(self) -> dict: ...


class TokenVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        keys: SigningKeySource,
        roles_claim: str = "roles",
        *,
        clock: Callable[[], float] = time.time,
        leeway_s: int = 30,
        keys_ttl_s: float = 3600.0,
        min_refresh_interval_s: float = 30.0,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.roles_claim = roles_claim
        self._keys = keys
        self._clock = clock
        self._leeway_s = leeway_s
        self._keys_ttl_s = keys_ttl_s
        self._min_refresh_interval_s = min_refresh_interval_s
        self._lock = threading.Lock()
        self._key_set: KeySet | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self.fetch_count = 0

    def validate(self, token: str) -> Principal:
        """A Principal for a valid token; AuthenticationFailed naming the reason otherwise."""
        header = _unverified_header(token)
        algorithm = header.get("alg")
        if algorithm not in ACCEPTED_ALGORITHMS:
            raise AuthenticationFailed(f"token algorithm {str(algorithm)[:16]!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationFailed("token names no signing key (kid)")
        key = self._signing_key(kid, algorithm)
        try:
            decoded = jwt.decode(token, key, algorithms=[algorithm])
        except JoseError:
            raise AuthenticationFailed("token signature is invalid") from None
        self._check_claims(decoded.claims)
        return self._principal(decoded.claims)

    # ---- keys ----------------------------------------------------------------------------------------------
    def _signing_key(self, kid: str, algorithm: str) -> Key:
        key = _find_key(self._current_keys(), kid)
        if key is None:
            key = _find_key(self._refresh(), kid)  # keys may have rotated at the issuer
        if key is None:
            raise AuthenticationFailed("token is signed with an unknown key (kid)")
        if key.get("alg") not in (None, algorithm):
            raise AuthenticationFailed("token algorithm does not match its signing key")
        if key.get("use") not in (None, "sig"):
            raise AuthenticationFailed("token is signed with a key not meant for signatures")
        return key

    def _current_keys(self) -> KeySet:
        with self._lock:
            key_set = self._key_set
            stale = self._clock() - self._fetched_at > self._keys_ttl_s
        if key_set is not None and not stale:
            return key_set
        try:
            return self._refresh()
        except IdentityProviderUnavailable:
            if key_set is None:
                raise
            log.warning("identity provider unreachable; validating with cached signing keys")
            return key_set

    def _refresh(self) -> KeySet:
        """Fetch the key set, at most once per `min_refresh_interval_s` (successful or not), so neither
        unknown kids nor an unreachable IdP make every request wait on the network."""
        with self._lock:
            recently = self._clock() - self._attempted_at < self._min_refresh_interval_s
            if recently:
                if self._key_set is None:
                    raise IdentityProviderUnavailable("the identity provider's signing keys are not available yet")
                return self._key_set
            self._attempted_at = self._clock()
            try:
                key_set = KeySet.import_key_set(self._keys.fetch_jwks())
            except IdentityProviderUnavailable:
                raise
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise IdentityProviderUnavailable(
                    f"the issuer's signing keys are unusable ({type(exc).__name__})"
                ) from None
            self._key_set = key_set
            self._fetched_at = self._clock()
            self.fetch_count += 1
            return key_set

    # ---- claims --------------------------------------------------------------------------------------------
    def _check_claims(self, claims: dict) -> None:
        registry = jwt.JWTClaimsRegistry(
            now=int(self._clock()),
            leeway=self._leeway_s,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise AuthenticationFailed("token has expired") from None
        except MissingClaimError as exc:
            raise AuthenticationFailed(f"token lacks the {exc.claim!r} claim") from None
        except InvalidClaimError as exc:
            reasons = {"iss": "token is from another issuer", "aud": "token is for another audience"}
            raise AuthenticationFailed(reasons.get(exc.claim, f"token claim {exc.claim!r} is invalid")) from None
        except JoseError:
            raise AuthenticationFailed("token claims are invalid") from None

    def _principal(self, claims: dict) -> Principal:
        subject = str(claims["sub"])
        username = claims.get("preferred_username") or claims.get("upn") or claims.get("email") or subject
        return Principal(
            subject=subject,
            username=str(username),
            roles=roles_from_claims(claims, self.roles_claim),
            amr=methods_from_claims(claims),
            token_id=str(claims["jti"]) if claims.get("jti") else None,
        )


def _unverified_header(token: str) -> dict:
    if not token or len(token) > MAX_TOKEN_BYTES:
        raise AuthenticationFailed("token is missing or too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise AuthenticationFailed("token is not a signed JWT")
    try:
        padded = parts[0] + "=" * (-len(parts[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        raise AuthenticationFailed("token header is malformed") from None
    if not isinstance(header, dict):
        raise AuthenticationFailed("token header is malformed")
    return header


def _find_key(key_set: KeySet, kid: str) -> Key | None:
    for key in key_set.keys:
        if key.kid == kid:
            return key
    return None
