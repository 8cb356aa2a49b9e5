"""The one place errors become HTTP responses.

A KbError maps to its class's `http_status`. Client errors (4xx) carry the error's own one-line message.
Server errors (5xx) carry a fixed public sentence and a reference id; the real message is logged with
that id. Tracebacks, keys, tokens and request bodies are never echoed.
"""

from __future__ import annotations

import logging
import re
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from kb.errors import (
    AuditWriteError,
    ConfigError,
    KbError,
    KeyringError,
    ModelServerError,
    StoreMissing,
    StoreUnavailable,
)
from serving.errors import IdentityProviderUnavailable, RateLimited

log = logging.getLogger("serving.errors")

PUBLIC_SERVER_MESSAGES: dict[type[KbError], str] = {
    AuditWriteError: "the request could not be written to the audit log, so it was not carried out",
    StoreUnavailable: "the document store is unavailable",
    StoreMissing: "no documents have been ingested yet",
    ModelServerError: "the model server did not answer properly",
    IdentityProviderUnavailable: "the identity provider cannot be reached",
    KeyringError: "the service's encryption keys cannot be opened",
    ConfigError: "the service is misconfigured",
}
GENERIC_SERVER_MESSAGE = "internal error"


class ErrorBody(BaseModel):
    error: str = Field(description="Error kind in snake case, e.g. authentication_failed, forbidden, rate_limited.")
    detail: str = Field(description="One line for the person who must act. Never holds secrets or stack traces.")
    request_id: str | None = Field(None, description="Quote it to an administrator; it names the audit record.")


class Problem(BaseModel):
    location: list[str | int]
    message: str


class ValidationErrorBody(ErrorBody):
    problems: list[Problem] = Field(default_factory=list, description="What is wrong where. Input values are not echoed.")


def error_kind(exc: BaseException) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def request_id_of(scope: Scope) -> str:
    entry = scope.get("state", {}).get("audit")
    return entry.request_id if entry is not None else uuid.uuid4().hex


def error_response(exc: KbError, scope: Scope) -> JSONResponse:
    request_id = request_id_of(scope)
    status = exc.http_status
    if status >= 500:
        detail = next((m for cls, m in PUBLIC_SERVER_MESSAGES.items() if isinstance(exc, cls)), GENERIC_SERVER_MESSAGE)
        log.error("request %s failed: %s: %s", request_id, type(exc).__name__, exc)
    else:
        detail = str(exc)
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="kb", error="invalid_token"'
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    body = ErrorBody(error=error_kind(exc), detail=detail, request_id=request_id)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


async def _kb_error(request: Request, exc: KbError) -> JSONResponse:
    return error_response(exc, request.scope)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [Problem(location=list(e.get("loc", ())), message=str(e.get("msg", ""))) for e in exc.errors()]
    body = ValidationErrorBody(
        error="invalid_request",
        detail="; ".join(f"{'.'.join(str(p) for p in problem.location)}: {problem.message}" for problem in problems),
        request_id=request_id_of(request.scope),
        problems=problems,
    )
    return JSONResponse(body.model_dump(), status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    kinds = {404: "not_found", 405: "method_not_allowed"}
    body = ErrorBody(
        error=kinds.get(exc.status_code, "http_error"), detail=str(exc.detail), request_id=request_id_of(request.scope)
    )
    return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = request_id_of(request.scope)
    log.exception("request %s failed unexpectedly", request_id)
    detail = f"{GENERIC_SERVER_MESSAGE} (reference {request_id})"
    body = ErrorBody(error="internal_error", detail=detail, request_id=request_id)
    return JSONResponse(body.model_dump(), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KbError, _kb_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


def documented_errors(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI `responses` for a route: every listed status with the error body it returns."""
    descriptions = {
        400: "Malformed request (empty or too long question, k out of range).",
        401: "No bearer token, or one that does not validate (expired, wrong issuer or audience, bad signature).",
        403: "Authenticated, but the role may not do this (or admin without MFA when required).",
        404: "Not found, or not visible to this role.",
        409: "Conflicts with the current state.",
        413: "Request body over the limit.",
        422: "The body or parameters do not match the schema, or the file was rejected.",
        429: "Per-user rate limit reached; see Retry-After.",
        500: "Internal error; the body holds a reference id, never details.",
        502: "The model server failed.",
        503: "Store, identity provider or audit log unavailable: the request was not carried out.",
    }
    responses: dict[int | str, dict] = {}
    for status in statuses:
        model = ValidationErrorBody if status == 422 else ErrorBody
        responses[status] = {"model": model, "description": descriptions[status]}
    return responses


COMMON_ERRORS = (401, 403, 413, 422, 429, 500, 503)
