"""Admin curation (list, upload, delete, reindex) and role-checked downloads of source documents."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, Field

from ingest.manifest import DocumentStatus
from ingest.pipeline import IngestReport
from kb.errors import FileRejected, KbError
from kb.services import Services
from serving.documents.ingest_gateway import IngestGateway
from serving.documents.ingest_jobs import IngestJob, IngestJobs
from serving.documents.upload_safety import stored_name, upload_path
from serving.errors import NotFound, PayloadTooLarge

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/plain; charset=utf-8",  # never rendered as a page from our origin
    ".htm": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


class DocumentList(BaseModel):
    documents: list[DocumentStatus]
    collections: list[str] = Field(description="Collections of the corpus config, for uploads.")
    jobs: list[IngestJob] = Field(description="Recent upload and reindex jobs, newest first.")


class DeletedDocument(BaseModel):
    doc_id: str
    document: str
    chunks_removed: int
    source_file_removed: bool
    verified: bool = Field(description="True once a count of the store found no point of the document left.")


class PurgeIncomplete(KbError):
    http_status = 500


class DocumentsService:
    def __init__(self, services: Services, gateway: IngestGateway, jobs: IngestJobs) -> None:
        self._services = services
        self._gateway = gateway
        self._jobs = jobs
        # One writer at a time: background jobs and synchronous deletes never interleave on the store.
        self._write_lock = threading.Lock()

    @property
    def max_upload_bytes(self) -> int:
        return int(self._services.settings.ingest.max_file_mb * 1024 * 1024)

    def list(self) -> DocumentList:
        collections = [c.name for c in self._services.corpus.collections]
        return DocumentList(documents=self._gateway.documents(), collections=collections, jobs=self._jobs.all())

    def upload(self, submitted_name: str, data: bytes, collection: str, submitted_by: str) -> IngestJob:
        """Place the file (atomically replacing an earlier version) and queue its ingest.

        The old version's chunks keep answering until the new ones are live (the pipeline activates
        a document all at once)."""
        if len(data) > self.max_upload_bytes:
            raise PayloadTooLarge(f"the file is larger than the {self._services.settings.ingest.max_file_mb:g} MB limit")
        corpus = self._services.corpus
        relative = upload_path(corpus, collection, stored_name(submitted_name, data))
        target = _inside(corpus.corpus_root, relative)
        with self._write_lock:
            _write_atomically(target, data)
        return self._jobs.submit("upload", submitted_by, lambda: self._locked(self._gateway.ingest_file, relative), relative)

    def reindex(self, submitted_by: str) -> IngestJob:
        return self._jobs.submit("reindex", submitted_by, lambda: self._locked(self._gateway.reindex))

    def job(self, job_id: str) -> IngestJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no ingest job {job_id}")
        return job

    def delete(self, doc_id: str) -> DeletedDocument:
        """Purge a document's chunks and its source file, then prove by count that nothing is left."""
        status = next((d for d in self._gateway.documents() if d.doc_id == doc_id), None)
        if status is None:
            raise NotFound(f"no ingested document {doc_id}")
        with self._write_lock:
            removed = self._gateway.delete(doc_id)
            remaining = self._gateway.remaining_points(doc_id)
            source = _inside(self._services.corpus.corpus_root, status.document)
            source_removed = source.is_file()
            source.unlink(missing_ok=True)
        if remaining:
            raise PurgeIncomplete(f"purge of {doc_id} left {remaining} points in the store")
        return DeletedDocument(
            doc_id=doc_id,
            document=status.document,
            chunks_removed=removed,
            source_file_removed=source_removed,
            verified=True,
        )

    def readable_file(self, document: str, role: str) -> tuple[Path, str]:
        """The source file of an ingested document, if `role` may read its collection; else NotFound
        (so a role cannot even learn which documents of other collections exist)."""
        corpus = self._services.corpus
        collection = corpus.collection_for(document) if _is_plain_relative(document) else None
        ingested = {d.document for d in self._gateway.documents()}
        if collection is None or role not in collection.roles or document not in ingested:
            raise NotFound("no such document")
        path = _inside(corpus.corpus_root, document)
        if not path.is_file():
            raise NotFound("no such document")
        return path, MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")

    def _locked(self, work, *args: str) -> IngestReport:
        with self._write_lock:
            return work(*args)


def _is_plain_relative(document: str) -> bool:
    path = PurePosixPath(document)
    return bool(document) and not path.is_absolute() and ".." not in path.parts and "\\" not in document


def _inside(root: Path, relative: str) -> Path:
    if not _is_plain_relative(relative):
        raise FileRejected("not a plain relative path")
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise FileRejected("the path leaves the corpus folder")
    return path


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".upload-{secrets.token_hex(8)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
