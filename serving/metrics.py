"""Prometheus metrics, one registry per app (so each test app starts from zero)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class ServingMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "kb_http_requests", "HTTP requests by route template, method and status.",
            ["route", "method", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "kb_http_request_seconds", "Time to the response start, by route template.",
            ["route", "method"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.answers = Counter("kb_answers", "Questions answered by /v1/ask.", registry=self.registry)
        self.refusals = Counter("kb_refusals", "Questions refused: the documents did not answer.", registry=self.registry)
        self.dropped_claims = Counter(
            "kb_dropped_claims", "Drafted claims the verifier dropped as unsupported.", registry=self.registry
        )
        self.ingest_queue = Gauge("kb_ingest_queue", "Ingest jobs queued or running.", registry=self.registry)
        self.ingest_jobs = Counter(
            "kb_ingest_jobs", "Finished ingest jobs by outcome.", ["outcome"], registry=self.registry
        )
        self.audit_failures = Counter(
            "kb_audit_write_failures", "Requests refused because their audit record could not be written.",
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts every HTTP request by its route template (not its raw path, which would hold ids)."""

    def __init__(self, app: ASGIApp, metrics: ServingMetrics) -> None:
        self.app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        observed = False

        async def measured_send(message: Message) -> None:
            nonlocal observed
            if message["type"] == "http.response.start":
                observed = True
                self._observe(scope, message["status"], started)
            await send(message)

        try:
            await self.app(scope, receive, measured_send)
        except Exception:
            if not observed:
                self._observe(scope, 500, started)
            raise

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        self._metrics.requests.labels(template, method, str(status)).inc()
        self._metrics.latency.labels(template, method).observe(time.perf_counter() - started)
        if status == 503 and scope.get("state", {}).get("audit") is not None:
            entry = scope["state"]["audit"]
            if not entry.written:
                self._metrics.audit_failures.inc()
