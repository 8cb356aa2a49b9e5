"""What has been ingested: one entry per document, written atomically after the document is live.

The manifest names documents and counts chunks; it holds no content.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel

from kb.errors import ConfigError


class DocumentStatus(BaseModel):
    doc_id: str
    document: str
    title: str
    collection: str
    effective_date: str | None = None
    dated_note: str | None = None
    file_hash: str
    chunks: int
    status: str = "indexed"
    ingested_at: str


class Manifest:
    def __init__(self, path: Path) -> None:
        self._path = path
        self.documents: dict[str, DocumentStatus] = {}
        if path.is_file():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ConfigError(f"ingest manifest {path} is corrupt ({exc}); run `kb ingest --rebuild`") from None
            self.documents = {doc_id: DocumentStatus.model_validate(entry) for doc_id, entry in raw.items()}

    def put(self, status: DocumentStatus) -> None:
        self.documents[status.doc_id] = status
        self.save()

    def remove(self, doc_id: str) -> None:
        self.documents.pop(doc_id, None)
        self.save()

    def save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        body = {doc_id: status.model_dump() for doc_id, status in sorted(self.documents.items())}
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._path)
