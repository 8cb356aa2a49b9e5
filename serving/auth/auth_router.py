"""OIDC endpoints. Always: the client config the web UI signs in with. With the built-in local issuer:
discovery, JWKS, a sign-in page (authorization code + PKCE) and the token endpoint."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from serving.audit.audit_middleware import AuditEntry
from serving.auth.local_issuer import LocalIssuer
from serving.auth.local_signin import LocalUser
from serving.auth.signin_page import signin_page
from serving.context import ServingContext
from serving.dependencies import audit_entry, client_host, serving_context
from serving.error_handlers import documented_errors
from serving.errors import NotFound, RateLimited

router = APIRouter(tags=["sign-in"])

UI_REDIRECT_PATH = "/ui/"


class ClientConfig(BaseModel):
    """What the web UI needs to run the authorization code flow with PKCE."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    client_id: str
    scope: str = "openid profile"
    local_issuer: bool


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    scope: str = "openid profile"


class OAuthError(BaseModel):
    error: str
    error_description: str


@router.get(
    "/oauth/client-config",
    response_model=ClientConfig,
    summary="Sign-in settings for the web UI",
    responses=documented_errors(503),
)
async def client_config(request: Request, context: ServingContext = Depends(serving_context)) -> ClientConfig:
    settings = context.settings.auth
    if context.local_issuer is not None:
        metadata = context.local_issuer.metadata(str(request.base_url))
    else:
        metadata = await run_in_threadpool(context.discovery.metadata)
    return ClientConfig(
        issuer=metadata["issuer"],
        authorization_endpoint=metadata["authorization_endpoint"],
        token_endpoint=metadata["token_endpoint"],
        client_id=settings.client_id,
        local_issuer=context.local_issuer is not None,
    )


@router.get(
    "/.well-known/openid-configuration",
    summary="OIDC discovery for the built-in local issuer",
    responses=documented_errors(404),
)
async def openid_configuration(request: Request, context: ServingContext = Depends(serving_context)) -> dict:
    return _local_issuer(context).metadata(str(request.base_url))


@router.get("/oauth/jwks", summary="Public signing keys of the built-in local issuer", responses=documented_errors(404))
async def jwks(context: ServingContext = Depends(serving_context)) -> dict:
    return _local_issuer(context).jwks()


@router.get(
    "/oauth/authorize",
    response_class=HTMLResponse,
    summary="Local issuer sign-in page",
    responses={400: {"description": "The authorization request is invalid (HTML page)."}, **documented_errors(404, 422)},
)
async def authorize_page(
    request: Request,
    response_type: str = Query(...),
    client_id: str = Query(...),
    redirect_uri: str = Query(...),
    code_challenge: str = Query(..., min_length=43, max_length=128),
    code_challenge_method: str = Query(...),
    state: str = Query("", max_length=512),
    scope: str = Query("openid", max_length=200),
    context: ServingContext = Depends(serving_context),
) -> HTMLResponse:
    _local_issuer(context)
    problem = _request_problem(request, context, response_type, client_id, redirect_uri, code_challenge_method)
    if problem:
        return signin_page(None, problem, status_code=400)
    fields = _authorization_fields(
        response_type, client_id, redirect_uri, code_challenge, code_challenge_method, state, scope
    )
    return signin_page(fields, None, demo_users=[u.username for u in context.local_users.all()])


@router.post(
    "/oauth/authorize",
    response_class=HTMLResponse,
    summary="Local issuer sign-in: redirects to the web UI with a single-use code",
    status_code=303,
    responses={
        400: {"description": "The authorization request is invalid (HTML page)."},
        401: {"description": "Wrong user name or password (the sign-in page again)."},
        **documented_errors(404, 413, 422, 429),
    },
)
async def authorize(
    request: Request,
    username: str = Form(..., max_length=128),
    password: str = Form(..., max_length=256),
    response_type: str = Form(...),
    client_id: str = Form(...),
    redirect_uri: str = Form(...),
    code_challenge: str = Form(..., min_length=43, max_length=128),
    code_challenge_method: str = Form(...),
    state: str = Form("", max_length=512),
    scope: str = Form("openid", max_length=200),
    entry: AuditEntry = Depends(audit_entry),
    context: ServingContext = Depends(serving_context),
) -> Response:
    _local_issuer(context)
    entry.action = "sign-in"
    entry.user = username
    problem = _request_problem(request, context, response_type, client_id, redirect_uri, code_challenge_method)
    if problem:
        return signin_page(None, problem, status_code=400)
    fields = _authorization_fields(
        response_type, client_id, redirect_uri, code_challenge, code_challenge_method, state, scope
    )
    limiter_key = f"client:{client_host(request)}"
    context.failed_sign_ins.check(limiter_key)
    user: LocalUser | None = context.local_users.check(username, password)
    if user is None:
        try:
            context.failed_sign_ins.hit(limiter_key)
        except RateLimited:
            pass
        entry.detail = "wrong user name or password"
        users = [u.username for u in context.local_users.all()]
        return signin_page(fields, "Wrong user name or password.", status_code=401, demo_users=users)
    entry.role = user.role
    code = context.authorization_codes.issue(user, client_id, redirect_uri, code_challenge)
    query = urlencode({"code": code, "state": state} if state else {"code": code})
    return RedirectResponse(f"{redirect_uri}?{query}", status_code=303)


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    summary="Exchange a local issuer authorization code (with its PKCE verifier) for an access token",
    responses={
        400: {"model": OAuthError, "description": "invalid_grant / unsupported_grant_type (RFC 6749)."},
        **documented_errors(404, 413, 422),
    },
)
async def token(
    grant_type: str = Form(...),
    code: str = Form(..., max_length=256),
    redirect_uri: str = Form(..., max_length=2000),
    client_id: str = Form(..., max_length=200),
    code_verifier: str = Form(..., min_length=43, max_length=128),
    entry: AuditEntry = Depends(audit_entry),
    context: ServingContext = Depends(serving_context),
) -> Response | TokenResponse:
    issuer = _local_issuer(context)
    entry.action = "token"
    if grant_type != "authorization_code":
        return _oauth_error("unsupported_grant_type", "only authorization_code is supported")
    user = context.authorization_codes.redeem(code, client_id, redirect_uri, code_verifier)
    if user is None:
        return _oauth_error("invalid_grant", "the code is unknown, used, expired, or does not match the verifier")
    entry.user, entry.role = user.username, user.role
    access_token = issuer.mint(user.username, user.role)
    return TokenResponse(access_token=access_token, expires_in=context.settings.auth.token_ttl_s)


def _local_issuer(context: ServingContext) -> LocalIssuer:
    if context.local_issuer is None:
        raise NotFound("sign-in is handled by the practice's identity provider")
    return context.local_issuer


def _request_problem(
    request: Request,
    context: ServingContext,
    response_type: str,
    client_id: str,
    redirect_uri: str,
    code_challenge_method: str,
) -> str | None:
    if response_type != "code":
        return "Only the authorization code flow is supported."
    if client_id != context.settings.auth.client_id:
        return "Unknown client."
    if code_challenge_method != "S256":
        return "PKCE with S256 is required."
    target = urlsplit(redirect_uri)
    same_origin = (target.scheme, target.netloc) == (request.url.scheme, request.url.netloc)
    if not same_origin or target.path != UI_REDIRECT_PATH or target.query or target.fragment:
        return "The redirect address is not this service's web page."
    return None


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


def _authorization_fields(
    response_type: str,
    client_id: str,
    redirect_uri: str,
    code_challenge: str,
    code_challenge_method: str,
    state: str,
    scope: str,
) -> dict[str, str]:
    """The authorization request, carried through the sign-in form unchanged."""
    return {
        "response_type": response_type,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "code_challenge": code_challenge,
        "code_challenge_method": code_challenge_method,
        "state": state,
        "scope": scope,
    }
