"""The call boundary to the ingest pipeline, kept small so tests can stand in for it."""

from __future__ import annotations

from typing import Protocol

from ingest.manifest import DocumentStatus
from ingest.pipeline import IngestReport
from kb.services import Services


class IngestGateway(Protocol):
    def ingest_file(self, relative_path: str) -> IngestReport: ...

    def reindex(self) -> IngestReport: ...

    def delete(self, doc_id: str) -> int: ...

    def documents(self) -> list[DocumentStatus]: ...

    def remaining_points(self, doc_id: str) -> int: ...


class PipelineGateway:
    """`ingest.pipeline` on the shared Services (one store, one embedder)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def ingest_file(self, relative_path: str) -> IngestReport:
        from ingest.pipeline import ingest_file

        return ingest_file(self._services, relative_path)

    def reindex(self) -> IngestReport:
        from ingest.pipeline import ingest_corpus

        return ingest_corpus(self._services)

    def delete(self, doc_id: str) -> int:
        from ingest.pipeline import delete_document

        return delete_document(self._services, doc_id)

    def documents(self) -> list[DocumentStatus]:
        from ingest.pipeline import list_documents

        return list_documents(self._services)

    def remaining_points(self, doc_id: str) -> int:
        return self._services.store.count(doc_id=doc_id)
