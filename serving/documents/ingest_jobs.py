"""Background ingest: one worker thread runs upload and reindex jobs in order; their status is visible."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, Field

from ingest.pipeline import IngestReport
from kb.errors import KbError
from serving.metrics import ServingMetrics

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "done", "failed"]
KEEP_FINISHED = 200


class IngestJob(BaseModel):
    job_id: str
    kind: Literal["upload", "reindex"]
    document: str | None = Field(None, description="Corpus-relative path, for uploads.")
    status: JobStatus = "queued"
    submitted_by: str
    submitted_at: datetime
    finished_at: datetime | None = None
    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = Field(default_factory=list, description="`document: reason` for each file not ingested.")
    chunks_total: int | None = None
    error: str | None = None


class IngestJobs:
    def __init__(self, metrics: ServingMetrics) -> None:
        self._metrics = metrics
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-ingest")
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, IngestJob] = OrderedDict()

    def submit(self, kind: Literal["upload", "reindex"], submitted_by: str, work: Callable[[], IngestReport],
               document: str | None = None) -> IngestJob:
        job = IngestJob(
            job_id=uuid.uuid4().hex,
            kind=kind,
            document=document,
            submitted_by=submitted_by,
            submitted_at=datetime.now(timezone.utc),
        )
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_old_jobs()
        self._metrics.ingest_queue.inc()
        self._executor.submit(self._run, job.job_id, work)
        return job.model_copy()

    def get(self, job_id: str) -> IngestJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model_copy() if job else None

    def all(self) -> list[IngestJob]:
        with self._lock:
            return [job.model_copy() for job in reversed(self._jobs.values())]

    def pending(self) -> int:
        with self._lock:
            return sum(job.status in ("queued", "running") for job in self._jobs.values())

    def wait_idle(self, timeout_s: float = 600.0) -> None:
        """Block until every job submitted so far has finished (for shutdown and tests)."""
        self._executor.submit(lambda: None).result(timeout=timeout_s)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, job_id: str, work: Callable[[], IngestReport]) -> None:
        self._update(job_id, status="running")
        try:
            report = work()
        except KbError as exc:
            self._finish(job_id, status="failed", error=str(exc))
        except Exception as exc:  # a failed job must not kill the worker; the traceback goes to the log
            log.exception("ingest job %s failed", job_id)
            self._finish(job_id, status="failed", error=f"internal error ({type(exc).__name__})")
        else:
            skipped = [f"{s.document}: {s.reason}" for s in report.skipped]
            self._finish(
                job_id,
                status="failed" if skipped and not (report.added or report.changed) else "done",
                added=report.added,
                changed=report.changed,
                removed=report.removed,
                unchanged=len(report.unchanged),
                skipped=skipped,
                chunks_total=report.chunks_total,
            )

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs[job_id] = job.model_copy(update=changes)

    def _finish(self, job_id: str, **changes: object) -> None:
        self._update(job_id, finished_at=datetime.now(timezone.utc), **changes)
        self._metrics.ingest_queue.dec()
        self._metrics.ingest_jobs.labels(str(changes.get("status"))).inc()

    def _forget_old_jobs(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.status in ("done", "failed")]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job_id]
