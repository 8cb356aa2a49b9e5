"""The one store adapter. Chunks go in sealed; passages come out decrypted; nothing readable is stored.

Payload layout of a point:
    doc_id, collection, state ("pending" | "live"), position, file_tag, kw (keyword tags)  -- filterable,
        opaque or structural, no content
    key_version, sealed                                                                   -- AES-256-GCM
The seal's associated data binds the ciphertext to its point id and collection, so a sealed payload
copied onto another point or collection fails authentication.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from kb.errors import StoreMissing
from kb.keyring import KeyRing
from kb.models import Chunk, ChunkMeta
from kb.settings import Settings
from store.backend import HybridQuery, StoreBackend, StoredPoint, Where
from store.privacy import TermHasher, VectorRotation, privacy_from_keyring
from store.sparse import document_weights, query_weights

LIVE = "live"
PENDING = "pending"


def collection_key_name(collection: str) -> str:
    return f"collection:{collection}"


def code_label(text: str | None) -> str:
    """`§ 164.524`, `164.524`, `b37.31` and `B3731` compare equal to their own kind."""
    return (text or "").replace("§", "").replace(".", "").replace(" ", "").upper()


@dataclass
class StoredChunk:
    meta: ChunkMeta
    text: str
    score: float


class EncryptedStore:
    def __init__(self, backend: StoreBackend, keyring: KeyRing, dimension: int) -> None:
        self._backend = backend
        self._keyring = keyring
        self._hasher, self._rotation = privacy_from_keyring(keyring, dimension)
        self.dimension = dimension
        backend.ensure_collection(dimension)

    @property
    def hasher(self) -> TermHasher:
        return self._hasher

    @property
    def rotation(self) -> VectorRotation:
        return self._rotation

    # ---- writing -------------------------------------------------------------------------------------------
    def file_tag(self, file_hash: str) -> str:
        return self._hasher.tag("file", file_hash)

    def keyword_tag(self, code: str) -> str:
        return self._hasher.tag("code", code)

    def add_pending(self, chunks: list[Chunk], vectors: np.ndarray, sparse_texts: list[str]) -> None:
        """Write chunks invisibly (state=pending); `activate` makes a whole document visible at once."""
        rotated = self._rotation.apply(vectors)
        points = []
        for chunk, vector, sparse_text in zip(chunks, rotated, sparse_texts, strict=True):
            indices, values = self._sparse(document_weights(sparse_text))
            points.append(
                StoredPoint(
                    id=chunk.meta.chunk_id,
                    dense=vector.tolist(),
                    sparse_indices=indices,
                    sparse_values=values,
                    payload=self._payload(chunk),
                )
            )
        self._backend.upsert(points)

    def activate(self, doc_id: str, file_hash: str) -> None:
        """Show the new version of a document, then purge every other version of it."""
        tag = self.file_tag(file_hash)
        self._backend.set_payload(Where(doc_id=doc_id, file_tag=tag), {"state": LIVE})
        self._backend.delete(Where(doc_id=doc_id, not_file_tag=tag))
        self._backend.flush()

    def delete_document(self, doc_id: str) -> int:
        """Purge every point of a document; returns how many were removed, verified by count."""
        before = self._backend.count(Where(doc_id=doc_id))
        self._backend.delete(Where(doc_id=doc_id))
        self._backend.flush()
        remaining = self._backend.count(Where(doc_id=doc_id))
        if remaining:
            raise StoreMissing(f"purge of document {doc_id} left {remaining} points behind")
        return before

    def purge_pending(self) -> None:
        """Drop half-written documents left by an interrupted run."""
        self._backend.delete(Where(state=PENDING))
        self._backend.flush()

    def count(self, doc_id: str | None = None, state: str | None = None) -> int:
        return self._backend.count(Where(doc_id=doc_id, state=state))

    def live_doc_ids(self) -> set[str]:
        return {hit.payload["doc_id"] for hit in self._backend.scroll(Where(state=LIVE))}

    # ---- reading -------------------------------------------------------------------------------------------
    def search(
        self,
        query_vector: np.ndarray,
        query_text: str,
        collections: list[str],
        limit: int,
        candidates: int,
        codes: list[str] | None = None,
    ) -> list[StoredChunk]:
        """Hybrid dense+sparse (+exact code) search, fused with RRF, restricted to `collections` in the query."""
        indices, values = self._sparse(query_weights(query_text))
        query = HybridQuery(
            dense=self._rotation.apply(query_vector.reshape(1, -1))[0].tolist(),
            sparse_indices=indices,
            sparse_values=values,
            where=Where(collections=tuple(collections), state=LIVE),
            limit=limit,
            candidates=candidates,
            keyword_tags=tuple(self.keyword_tag(code) for code in codes or ()),
        )
        hits = sorted(self._backend.hybrid_query(query), key=lambda hit: (-hit.score, hit.id))
        return [self._open(hit.id, hit.payload, hit.score) for hit in hits]

    def code_records(self, codes: list[str], collections: list[str], scan_limit: int = 500) -> list[StoredChunk]:
        """The chunk each asked code names as its own label (a code's row, a § section's first chunk),
        found by exact keyword tag inside the caller's collections, in the order the codes were asked."""
        if not codes:
            return []
        where = Where(collections=tuple(collections), state=LIVE, keyword_tags=tuple(self.keyword_tag(c) for c in codes))
        first_of: dict[str, StoredChunk] = {}
        for scanned, hit in enumerate(self._backend.scroll(where)):
            if scanned >= scan_limit:
                break
            chunk = self._open(hit.id, hit.payload, 0.0)
            label = code_label(chunk.meta.section)
            if label not in {code_label(c) for c in codes}:
                continue
            key = f"{label}|{chunk.meta.doc_id}"
            if key not in first_of or chunk.meta.position < first_of[key].meta.position:
                first_of[key] = chunk
        order = [code_label(c) for c in codes]
        return sorted(first_of.values(), key=lambda c: (order.index(code_label(c.meta.section)), c.meta.document))

    def neighbours(self, doc_id: str, positions: list[int], collections: list[str]) -> list[StoredChunk]:
        """Chunks of one document at the given positions, still restricted to the caller's collections."""
        where = Where(doc_id=doc_id, positions=tuple(positions), collections=tuple(collections), state=LIVE)
        found = [self._open(hit.id, hit.payload, 0.0) for hit in self._backend.scroll(where)]
        return sorted(found, key=lambda c: c.meta.position)

    def iter_document(self, doc_id: str) -> list[StoredChunk]:
        found = [self._open(hit.id, hit.payload, 0.0) for hit in self._backend.scroll(Where(doc_id=doc_id))]
        return sorted(found, key=lambda c: c.meta.position)

    # ---- key rotation --------------------------------------------------------------------------------------
    def reencrypt(self) -> int:
        """Re-seal every payload under the current data-key versions. Returns points rewritten."""
        rewritten = 0
        for hit in list(self._backend.scroll(Where())):
            collection = hit.payload["collection"]
            current = self._keyring.current_version(collection_key_name(collection))
            if hit.payload.get("key_version") == current:
                continue
            opened = self._open(hit.id, hit.payload, 0.0)
            sealed = self._seal(hit.id, collection, opened.meta, opened.text)
            self._backend.set_point_payload(hit.id, {"sealed": sealed, "key_version": current})
            rewritten += 1
        self._backend.flush()
        return rewritten

    def close(self) -> None:
        self._backend.close()

    # ---- internals -----------------------------------------------------------------------------------------
    def _sparse(self, weights: dict[str, float]) -> tuple[list[int], list[float]]:
        merged: dict[int, float] = {}
        for term, weight in weights.items():
            index = self._hasher.term_index(term)
            merged[index] = merged.get(index, 0.0) + weight
        ordered = sorted(merged.items())
        return [i for i, _ in ordered], [w for _, w in ordered]

    def _payload(self, chunk: Chunk) -> dict[str, object]:
        meta = chunk.meta
        key_name = collection_key_name(meta.collection)
        return {
            "doc_id": meta.doc_id,
            "collection": meta.collection,
            "state": PENDING,
            "position": meta.position,
            "file_tag": self.file_tag(meta.file_hash),
            "kw": [self.keyword_tag(code) for code in meta.keywords],
            "key_version": self._keyring.current_version(key_name),
            "sealed": self._seal(meta.chunk_id, meta.collection, meta, chunk.text),
        }

    def _seal(self, point_id: str, collection: str, meta: ChunkMeta, text: str) -> str:
        body = json.dumps({"meta": meta.model_dump(), "text": text}, ensure_ascii=False).encode("utf-8")
        return self._keyring.seal(collection_key_name(collection), body, _aad(point_id, collection))

    def _open(self, point_id: str, payload: dict[str, object], score: float) -> StoredChunk:
        collection = str(payload["collection"])
        body = self._keyring.open_sealed(collection_key_name(collection), str(payload["sealed"]), _aad(point_id, collection))
        data = json.loads(body)
        return StoredChunk(meta=ChunkMeta.model_validate(data["meta"]), text=data["text"], score=score)


def _aad(point_id: str, collection: str) -> bytes:
    return f"point={point_id}|collection={collection}".encode()


def open_store(settings: Settings, keyring: KeyRing, dimension: int, must_exist: bool = True) -> EncryptedStore:
    """The configured backend behind the encrypting adapter. A missing embedded store fails clearly."""
    if settings.store.backend == "server":
        from store.server_backend import ServerBackend

        return EncryptedStore(ServerBackend(settings.store), keyring, dimension)
    from store.edge_backend import EdgeBackend

    if must_exist and not settings.store_dir.is_dir():
        raise StoreMissing(f"no store at {settings.store_dir}: run `kb ingest` first")
    return EncryptedStore(EdgeBackend(settings.store_dir), keyring, dimension)
