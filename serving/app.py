"""The app factory. Routers are thin (parse, authorize, call a service); components live in ServingContext.

Middleware, outermost first: security headers -> metrics -> audit (writes the record before the
response starts; fails closed) -> body-size limit -> FastAPI's exception handling -> routers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.errors import KbError
from kb.services import Services
from serving.ask import ask_router
from serving.audit import audit_router
from serving.audit.audit_middleware import AuditMiddleware
from serving.auth import auth_router, me_router
from serving.context import ServingContext
from serving.documents import documents_router
from serving.documents.ingest_gateway import IngestGateway
from serving.error_handlers import install_error_handlers
from serving.feedback import feedback_router
from serving.health import health_router
from serving.limits import JSON_BODY_LIMIT, MIB, BodySizeLimitMiddleware
from serving.metrics import MetricsMiddleware
from serving.search import search_router
from serving.web import web_router

log = logging.getLogger(__name__)

UPLOAD_PATHS = ("/v1/documents",)
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def create_app(
    services: Services | None = None,
    *,
    ingest: IngestGateway | None = None,
    idp_client: httpx.Client | None = None,
    warm_up: bool = True,
) -> FastAPI:
    """`services`: a container to serve (tests pass a fresh one); None builds one from the environment.
    `ingest` and `idp_client` replace the ingest pipeline and the IdP's HTTP transport (test seams)."""
    owns_services = services is None
    services = services or Services()
    context = ServingContext(services, ingest=ingest, idp_client=idp_client)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            await run_in_threadpool(_load_models_once, context)
        try:
            yield
        finally:
            context.close()
            if owns_services:
                services.close()

    app = FastAPI(
        title="kb — private knowledge search",
        version="1",
        description="Answers only from the practice's own documents, every claim cited and verified. "
        "Every request is authenticated with an OIDC bearer token and written to the encrypted audit log.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI would load from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.kb = context
    install_error_handlers(app)
    for router in (
        ask_router.router,
        search_router.router,
        documents_router.router,
        feedback_router.router,
        audit_router.router,
        auth_router.router,
        me_router.router,
        health_router.router,
        web_router.router,
    ):
        app.include_router(router)

    upload_limit = int(services.settings.server.max_body_mb * MIB)
    app.add_middleware(BodySizeLimitMiddleware, limit_for_path=lambda path: _body_limit(path, upload_limit))
    app.add_middleware(AuditMiddleware, audit_log=context.audit_log)
    app.add_middleware(MetricsMiddleware, metrics=context.metrics)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _body_limit(path: str, upload_limit: int) -> int:
    return upload_limit if path in UPLOAD_PATHS else JSON_BODY_LIMIT


def _load_models_once(context: ServingContext) -> None:
    """Open the store and load the embedding model before the first request, not during it."""
    _limit_inference_threads(context.settings.server.inference_threads)
    try:
        context.services.retriever  # noqa: B018 (builds store, embedder and retriever once)
    except KbError as exc:
        log.warning("not ready yet: %s", exc)


def _limit_inference_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"content-security-policy", API_CSP.encode()),
                    (b"cache-control", b"no-store"),
                ]
                if scope.get("scheme") == "https":
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = [*message.get("headers", []), *((n, v) for n, v in extra if n not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
