"""Ingest: discover -> parse (isolated) -> chunk -> embed -> write pending -> activate -> record.

Each document becomes visible all at once (`EncryptedStore.activate`) and only then enters the manifest,
so a run killed at any point leaves the old version answering and the next run finishes the job.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field

from ingest.chunking import chunk_document, document_id
from ingest.index_text import embedding_text, sparse_text
from ingest.manifest import DocumentStatus, Manifest
from ingest.sandbox import parse_isolated
from kb.errors import FileRejected
from kb.models import DocumentInfo
from kb.services import Services
from store.encrypted import EncryptedStore

PARSE_AHEAD = 1


class SkippedFile(BaseModel):
    document: str
    reason: str


class StageSeconds(BaseModel):
    parse: float = Field(0.0, description="Waiting for the parser; it runs one file ahead, beside embedding.")
    chunk: float = 0.0
    embed: float = 0.0
    store: float = 0.0


class IngestReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    chunks_written: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    stages: StageSeconds = Field(default_factory=StageSeconds)


Progress = Callable[[str], None]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_for(services: Services) -> Manifest:
    return Manifest(services.settings.state_dir / "manifest.json")


def ingest_corpus(services: Services, progress: Progress | None = None) -> IngestReport:
    """Bring the store in line with the corpus: add, replace, purge. One bad file never stops the rest."""
    started = time.perf_counter()
    report = IngestReport()
    store = services.store
    store.purge_pending()
    manifest = manifest_for(services)
    discovered = services.corpus.discover()
    discovered_ids = {document_id(doc.path) for doc in discovered}

    to_parse = [doc for doc in discovered if _needs_ingest(services, manifest, doc, report)]
    for doc, parsed in parsed_ahead(services, to_parse):
        if progress:
            progress(doc.path)
        _ingest_one(services, store, manifest, doc, report, parsed)
    if progress:
        for doc in discovered:
            if doc.path in report.unchanged:
                progress(doc.path)

    for doc_id in sorted(set(manifest.documents) - discovered_ids):
        status = manifest.documents[doc_id]
        store.delete_document(doc_id)
        manifest.remove(doc_id)
        report.removed.append(status.document)
    for orphan in store.live_doc_ids() - discovered_ids:
        store.delete_document(orphan)

    report.chunks_total = store.count(state="live")
    report.seconds = time.perf_counter() - started
    return report


def ingest_file(services: Services, relative_path: str) -> IngestReport:
    """Ingest or replace a single document already placed under the corpus root."""
    started = time.perf_counter()
    report = IngestReport()
    store = services.store
    doc = services.corpus.document_info(relative_path)
    if doc is None:
        raise FileRejected(f"{relative_path} belongs to no collection in {services.settings.config}")
    _ingest_one(services, store, manifest_for(services), doc, report)
    report.chunks_total = store.count(state="live")
    report.seconds = time.perf_counter() - started
    return report


def delete_document(services: Services, doc_id: str) -> int:
    """Purge a document's points and manifest entry; returns the number of points removed."""
    store = services.store
    manifest = manifest_for(services)
    removed = store.delete_document(doc_id)
    manifest.remove(doc_id)
    return removed


def list_documents(services: Services) -> list[DocumentStatus]:
    return sorted(manifest_for(services).documents.values(), key=lambda s: s.document)


def _needs_ingest(services: Services, manifest: Manifest, doc: DocumentInfo, report: IngestReport) -> bool:
    known = manifest.documents.get(document_id(doc.path))
    file_hash = file_sha256(services.corpus.corpus_root / doc.path)
    if known is not None and known.file_hash == file_hash and known.collection == doc.collection:
        report.unchanged.append(doc.path)
        return False
    return True


def parsed_ahead(services: Services, docs: list[DocumentInfo]) -> Iterator[tuple[DocumentInfo, Future]]:
    """Parse the next file (in its sandbox process) while the current one is being embedded: parsing is
    mostly waiting on a child process, so it overlaps the embedding for free."""
    root, limits = services.corpus.corpus_root, services.settings.ingest
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse-ahead") as pool:
        queued: deque[tuple[DocumentInfo, Future]] = deque()
        for doc in docs:
            queued.append((doc, pool.submit(parse_isolated, root / doc.path, limits)))
            if len(queued) > PARSE_AHEAD:
                yield queued.popleft()
        while queued:
            yield queued.popleft()


def _ingest_one(
    services: Services,
    store: EncryptedStore,
    manifest: Manifest,
    doc: DocumentInfo,
    report: IngestReport,
    parsed: Future | None = None,
) -> None:
    settings = services.settings
    path = services.corpus.corpus_root / doc.path
    doc_id = document_id(doc.path)
    file_hash = file_sha256(path)
    known = manifest.documents.get(doc_id)
    if parsed is None and known is not None and known.file_hash == file_hash and known.collection == doc.collection:
        report.unchanged.append(doc.path)
        return

    stage = time.perf_counter()
    try:
        blocks = parsed.result() if parsed is not None else parse_isolated(path, settings.ingest)
    except FileRejected as exc:
        report.stages.parse += time.perf_counter() - stage
        report.skipped.append(SkippedFile(document=doc.path, reason=str(exc)))
        return
    report.stages.parse += time.perf_counter() - stage

    stage = time.perf_counter()
    embedder = services.embedder
    chunks = chunk_document(blocks, doc, file_hash, services.corpus.chunking, embedder.count_tokens)
    report.stages.chunk += time.perf_counter() - stage
    if not chunks:
        report.skipped.append(SkippedFile(document=doc.path, reason="no extractable text"))
        return

    stage = time.perf_counter()
    vectors = embedder.embed([embedding_text(chunk) for chunk in chunks])
    report.stages.embed += time.perf_counter() - stage

    stage = time.perf_counter()
    store.add_pending(chunks, vectors, [sparse_text(chunk) for chunk in chunks])
    store.activate(doc_id, file_hash)
    manifest.put(
        DocumentStatus(
            doc_id=doc_id,
            document=doc.path,
            title=doc.title,
            collection=doc.collection,
            effective_date=doc.effective_date,
            dated_note=doc.dated_note,
            file_hash=file_hash,
            chunks=len(chunks),
            ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
    )
    report.stages.store += time.perf_counter() - stage
    report.chunks_written += len(chunks)
    (report.changed if known is not None else report.added).append(doc.path)
