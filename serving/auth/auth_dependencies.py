"""Dependencies that authenticate, authorize and rate-limit every API request."""

from __future__ import annotations

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from serving.auth.authorization import require_a_role, require_admin
from serving.auth.principal import Principal
from serving.dependencies import audit_entry, client_host, serving_context
from serving.errors import AuthenticationFailed, RateLimited
from serving.limits import RateLimiter

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An access token from the practice's identity provider (or, on the built-in issuer, "
    "from the sign-in page or `kb token --user NAME --role ROLE`).",
)


def authenticated(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer_scheme)
) -> Principal:
    """A validated principal holding a kb role, within its rate limit."""
    context = serving_context(request)
    client = client_host(request)
    context.failed_sign_ins.check(f"client:{client}")
    try:
        if credentials is None:
            raise AuthenticationFailed("sign in first: no bearer token was sent")
        principal = context.verifier.validate(credentials.credentials)
    except AuthenticationFailed:
        _spend_quietly(context.failed_sign_ins, f"client:{client}")
        raise
    entry = audit_entry(request)
    entry.user = principal.audit_name
    entry.role = principal.role if principal.roles else None
    request.state.principal = principal
    require_a_role(principal)
    context.limiter.hit(f"user:{principal.subject}")
    return principal


def admin(request: Request, principal: Principal = Depends(authenticated)) -> Principal:
    require_admin(principal, serving_context(request).settings.auth.admin_needs_mfa)
    return principal


def _spend_quietly(limiter: RateLimiter, key: str) -> None:
    try:
        limiter.hit(key)
    except RateLimited:
        pass  # this request already fails; the next one is refused by check()
