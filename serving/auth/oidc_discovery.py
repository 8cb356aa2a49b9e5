"""The practice's IdP (Keycloak, Entra ID, Okta): metadata from `<issuer>/.well-known/openid-configuration`,
signing keys from the `jwks_uri` it names. The only network calls auth makes, and only to the issuer."""

from __future__ import annotations

import ipaddress
import threading
from urllib.parse import urlsplit

import httpx

from serving.errors import IdentityProviderUnavailable

DISCOVERY_PATH = "/.well-known/openid-configuration"


class OidcDiscovery:
    def __init__(self, issuer: str, client: httpx.Client | None = None, timeout_s: float = 5.0) -> None:
        self.issuer = issuer
        self._client = client or httpx.Client(timeout=timeout_s, follow_redirects=False)
        self._lock = threading.Lock()
        self._metadata: dict | None = None

    def metadata(self) -> dict:
        """Cached after the first success; the issuer it names must be exactly the configured one."""
        with self._lock:
            if self._metadata is None:
                url = self.issuer.rstrip("/") + DISCOVERY_PATH
                metadata = self._get_json(url, "OIDC metadata")
                if metadata.get("issuer") != self.issuer:
                    raise IdentityProviderUnavailable(
                        f"the OIDC metadata at {url} names issuer {str(metadata.get('issuer'))[:200]!r}, "
                        f"not the configured {self.issuer!r} (KB_AUTH__ISSUER)"
                    )
                jwks_uri = metadata.get("jwks_uri")
                if not isinstance(jwks_uri, str) or not _acceptable_url(jwks_uri):
                    raise IdentityProviderUnavailable(f"the OIDC metadata at {url} has no usable https jwks_uri")
                self._metadata = metadata
            return self._metadata

    def fetch_jwks(self) -> dict:
        """SigningKeySource: the current key set. Metadata is rediscovered after a failure."""
        jwks_uri = self.metadata()["jwks_uri"]
        try:
            return self._get_json(jwks_uri, "signing keys (JWKS)")
        except IdentityProviderUnavailable:
            with self._lock:
                self._metadata = None
            raise

    def _get_json(self, url: str, what: str) -> dict:
        try:
            response = self._client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise IdentityProviderUnavailable(f"cannot fetch the identity provider's {what} ({type(exc).__name__})") from None
        if not isinstance(body, dict):
            raise IdentityProviderUnavailable(f"the identity provider's {what} is not a JSON object")
        return body


def _acceptable_url(url: str) -> bool:
    """https, or plain http only to a loopback address (a test IdP on this machine)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False
