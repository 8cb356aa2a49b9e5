"""What a validated principal may do. Plain functions, so the policy is tested without HTTP."""

from __future__ import annotations

from kb.errors import Forbidden
from kb.models import ROLES
from serving.auth.principal import Principal


def require_a_role(principal: Principal) -> None:
    if not principal.roles:
        raise Forbidden(f"your account holds none of the roles {', '.join(ROLES)}; ask an administrator to assign one")


def require_admin(principal: Principal, require_mfa: bool) -> None:
    """Admin endpoints: the admin role and, when configured, multi-factor evidence in `amr`."""
    require_a_role(principal)
    if principal.role != "admin":
        raise Forbidden("this needs the admin role")
    if require_mfa and not principal.has_mfa:
        raise Forbidden("admin actions need a multi-factor sign-in (no mfa/otp/hwk in the token's amr claim)")
