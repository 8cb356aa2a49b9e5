"""Server backend: a Qdrant server or cluster through qdrant-client (API key, TLS, shards, replicas).

Tests exercise it against `QdrantClient(":memory:")`, which answers the same client API.
"""

from __future__ import annotations

from typing import Any, Iterator

from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from kb.errors import StoreUnavailable
from kb.settings import StoreSettings
from store.backend import (
    DENSE,
    INDEXED_INTEGER_FIELDS,
    INDEXED_KEYWORD_FIELDS,
    SPARSE,
    Hit,
    HybridQuery,
    StoredPoint,
    Where,
)


def _filter(where: Where) -> models.Filter | None:
    must = [_condition(name, value) for name, value in where.must()]
    must_not = [_condition(name, value) for name, value in where.must_not()]
    if not must and not must_not:
        return None
    return models.Filter(must=must or None, must_not=must_not or None)


def _condition(name: str, value: object) -> models.Condition:
    match = models.MatchAny(any=list(value)) if isinstance(value, tuple) else models.MatchValue(value=value)
    return models.FieldCondition(key=name, match=match)


class ServerBackend:
    def __init__(self, settings: StoreSettings, client: QdrantClient | None = None) -> None:
        self._settings = settings
        self._name = settings.collection
        if client is None:
            if not settings.url:
                raise StoreUnavailable("KB_STORE__URL must be set when KB_STORE__BACKEND=server")
            client = QdrantClient(
                url=settings.url,
                api_key=settings.api_key.get_secret_value() if settings.api_key else None,
                timeout=int(settings.timeout_s),
                verify=str(settings.ca_cert) if settings.ca_cert else True,
            )
        self._client = client

    def _call(self, action: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ResponseHandlingException, UnexpectedResponse, ConnectionError, TimeoutError) as exc:
            raise StoreUnavailable(f"Qdrant server at {self._settings.url} failed to {action}: {exc}") from None

    def ensure_collection(self, dimension: int) -> None:
        if self._call("list collections", self._client.collection_exists, self._name):
            return
        self._call(
            "create the collection",
            self._client.create_collection,
            self._name,
            vectors_config={DENSE: models.VectorParams(size=dimension, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            shard_number=self._settings.shards,
            replication_factor=self._settings.replication_factor,
        )
        for name in INDEXED_KEYWORD_FIELDS:
            self._client.create_payload_index(self._name, name, models.PayloadSchemaType.KEYWORD)
        for name in INDEXED_INTEGER_FIELDS:
            self._client.create_payload_index(self._name, name, models.PayloadSchemaType.INTEGER)

    def upsert(self, points: list[StoredPoint]) -> None:
        structs = [
            models.PointStruct(
                id=p.id,
                vector={DENSE: p.dense, SPARSE: models.SparseVector(indices=p.sparse_indices, values=p.sparse_values)},
                payload=p.payload,
            )
            for p in points
        ]
        self._call("upsert points", self._client.upsert, self._name, points=structs, wait=True)

    def set_payload(self, where: Where, payload: dict[str, Any]) -> None:
        selector = models.FilterSelector(filter=_filter(where) or models.Filter())
        self._call("set payload", self._client.set_payload, self._name, payload=payload, points=selector, wait=True)

    def set_point_payload(self, point_id: str, payload: dict[str, Any]) -> None:
        self._call("set payload", self._client.set_payload, self._name, payload=payload, points=[point_id], wait=True)

    def delete(self, where: Where) -> None:
        selector = models.FilterSelector(filter=_filter(where) or models.Filter())
        self._call("delete points", self._client.delete, self._name, points_selector=selector, wait=True)

    def count(self, where: Where) -> int:
        return self._call("count points", self._client.count, self._name, count_filter=_filter(where), exact=True).count

    def hybrid_query(self, query: HybridQuery) -> list[Hit]:
        where = _filter(query.where)
        sparse = models.SparseVector(indices=query.sparse_indices, values=query.sparse_values)
        prefetch = [
            models.Prefetch(query=query.dense, using=DENSE, filter=where, limit=query.candidates),
            models.Prefetch(query=sparse, using=SPARSE, filter=where, limit=query.candidates),
        ]
        weights = [1.0, 1.0]
        if query.keyword_tags:
            keyword_where = _filter(Where(**{**query.where.__dict__, "keyword_tags": query.keyword_tags}))
            prefetch.append(models.Prefetch(query=query.dense, using=DENSE, filter=keyword_where, limit=query.candidates))
            weights.append(query.keyword_weight)
        response = self._call(
            "query",
            self._client.query_points,
            self._name,
            prefetch=prefetch,
            query=models.RrfQuery(rrf=models.Rrf(k=60, weights=weights)),
            query_filter=where,
            limit=query.limit,
            with_payload=True,
        )
        return [Hit(id=str(p.id), score=float(p.score), payload=dict(p.payload or {})) for p in response.points]

    def scroll(self, where: Where, batch: int = 256) -> Iterator[Hit]:
        offset = None
        while True:
            records, offset = self._call(
                "scroll",
                self._client.scroll,
                self._name,
                scroll_filter=_filter(where),
                limit=batch,
                offset=offset,
                with_payload=True,
                with_vectors=False,
            )
            for record in records:
                yield Hit(id=str(record.id), score=0.0, payload=dict(record.payload or {}))
            if offset is None:
                return

    def flush(self) -> None:
        """The server persists each acknowledged write itself (wait=True)."""

    def close(self) -> None:
        self._client.close()
