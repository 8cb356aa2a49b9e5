"""OIDC bearer-token auth: one verifier for the practice's IdP and for the built-in local issuer."""

from __future__ import annotations

from kb.settings import Settings
from serving.auth.authorization import require_a_role, require_admin
from serving.auth.local_issuer import LOCAL_ISSUER_ID, LocalIssuer
from serving.auth.oidc_discovery import OidcDiscovery
from serving.auth.principal import Principal
from serving.auth.token_verifier import SigningKeySource, TokenVerifier


def build_verifier(settings: Settings, keys: SigningKeySource) -> TokenVerifier:
    """One verifier whatever the issuer: the practice's IdP (KB_AUTH__ISSUER) or the built-in local one."""
    auth = settings.auth
    return TokenVerifier(auth.issuer or LOCAL_ISSUER_ID, auth.audience, keys, auth.roles_claim)


__all__ = [
    "LOCAL_ISSUER_ID",
    "LocalIssuer",
    "OidcDiscovery",
    "Principal",
    "TokenVerifier",
    "build_verifier",
    "require_a_role",
    "require_admin",
]
