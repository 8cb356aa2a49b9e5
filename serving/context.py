"""The serving components of one app, built once around one Services container."""

from __future__ import annotations

import threading

import httpx

from kb.errors import AuditWriteError, KbError
from kb.services import Services
from serving.ask.ask_service import AskService
from serving.audit.audit_log import AuditLog
from serving.auth import LocalIssuer, OidcDiscovery, TokenVerifier, build_verifier
from serving.auth.local_signin import AuthorizationCodes, LocalUsers
from serving.documents.documents_service import DocumentsService
from serving.documents.ingest_gateway import IngestGateway, PipelineGateway
from serving.documents.ingest_jobs import IngestJobs
from serving.limits import RateLimiter
from serving.metrics import ServingMetrics
from serving.search.search_service import SearchService


class ServingContext:
    def __init__(
        self,
        services: Services,
        ingest: IngestGateway | None = None,
        idp_client: httpx.Client | None = None,
    ) -> None:
        self.services = services
        self.settings = services.settings
        auth = self.settings.auth
        self.local_issuer: LocalIssuer | None = None
        self.local_users: LocalUsers | None = None
        self.discovery: OidcDiscovery | None = None
        if auth.issuer:
            self.discovery = OidcDiscovery(auth.issuer, idp_client)
            self.verifier: TokenVerifier = build_verifier(self.settings, self.discovery)
        else:
            self.local_issuer = LocalIssuer.open(self.settings)
            self.local_users = LocalUsers.open(self.settings.keys_dir)
            self.verifier = build_verifier(self.settings, self.local_issuer)
        self.authorization_codes = AuthorizationCodes()
        self.limiter = RateLimiter(self.settings.server.rate_limit_per_minute)
        self.failed_sign_ins = RateLimiter(max(10, self.settings.server.rate_limit_per_minute // 4))
        self.metrics = ServingMetrics()
        self.jobs = IngestJobs(self.metrics)
        self.ask = AskService(services, self.metrics)
        self.search = SearchService(services)
        self.documents = DocumentsService(services, ingest or PipelineGateway(services), self.jobs)
        self._audit_lock = threading.Lock()
        self._audit_log: AuditLog | None = None

    def audit_log(self) -> AuditLog:
        """Opened on first use, so the service can start before the first ingest creates the key ring;
        until then every audited request fails closed."""
        with self._audit_lock:
            if self._audit_log is None:
                try:
                    keyring = self.services.keyring
                except KbError as exc:
                    raise AuditWriteError(f"the audit log cannot be opened: {exc}") from None
                self._audit_log = AuditLog(self.settings.audit_dir, keyring)
            return self._audit_log

    def close(self) -> None:
        self.jobs.shutdown()
