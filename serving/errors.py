"""Errors only the service raises. Each is a KbError, so the one handler maps it to its status code.

(Candidates for kb/errors.py once the lead takes them; nothing else depends on where they live.)
"""

from __future__ import annotations

from kb.errors import KbError


class AuthenticationFailed(KbError):
    """No bearer token, or one that does not validate. The message names the reason, never the token."""

    http_status = 401


class RateLimited(KbError):
    http_status = 429

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PayloadTooLarge(KbError):
    http_status = 413


class NotFound(KbError):
    """Also used for things that exist but the caller may not see, so existence is not revealed."""

    http_status = 404


class IdentityProviderUnavailable(KbError):
    """The issuer's metadata or signing keys cannot be fetched, and no cached keys can check the token."""

    http_status = 503
