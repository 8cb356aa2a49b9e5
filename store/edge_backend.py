"""Embedded backend: Qdrant's own engine (qdrant-edge-py), one on-disk shard under KB_HOME/store."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import qdrant_edge as qe

from kb.errors import StoreUnavailable
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


def _filter(where: Where) -> qe.Filter | None:
    must = [_condition(name, value) for name, value in where.must()]
    must_not = [_condition(name, value) for name, value in where.must_not()]
    if not must and not must_not:
        return None
    return qe.Filter(must=must or None, must_not=must_not or None)


def _condition(name: str, value: object) -> Any:
    match = qe.MatchAny(any=list(value)) if isinstance(value, tuple) else qe.MatchValue(value=value)
    return qe.FieldCondition(key=name, match=match)


class EdgeBackend:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._shard: qe.EdgeShard | None = None

    def ensure_collection(self, dimension: int) -> None:
        if self._shard is not None:
            return
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        try:
            if (self._path / "edge_config.json").exists() or any(self._path.glob("*")):
                self._shard = qe.EdgeShard.load(str(self._path))
                return
            self._path.mkdir(parents=True, exist_ok=True)
            self._shard = qe.EdgeShard.create(str(self._path), config)
        except Exception as exc:  # the engine raises plain exceptions with its own text
            raise StoreUnavailable(f"cannot open the embedded store at {self._path}: {exc}") from None
        for name in INDEXED_KEYWORD_FIELDS:
            self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
        for name in INDEXED_INTEGER_FIELDS:
            self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Integer))

    @property
    def shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise StoreUnavailable("the embedded store is not open")
        return self._shard

    def upsert(self, points: list[StoredPoint]) -> None:
        edge_points = [
            qe.Point(
                id=p.id,
                vector={DENSE: p.dense, SPARSE: qe.SparseVector(indices=p.sparse_indices, values=p.sparse_values)},
                payload=p.payload,
            )
            for p in points
        ]
        self.shard.update(qe.UpdateOperation.upsert_points(edge_points))

    def set_payload(self, where: Where, payload: dict[str, Any]) -> None:
        self.shard.update(qe.UpdateOperation.set_payload_by_filter(_filter(where), payload))

    def set_point_payload(self, point_id: str, payload: dict[str, Any]) -> None:
        self.shard.update(qe.UpdateOperation.set_payload([point_id], payload))

    def delete(self, where: Where) -> None:
        self.shard.update(qe.UpdateOperation.delete_points_by_filter(_filter(where)))

    def count(self, where: Where) -> int:
        return self.shard.count(qe.CountRequest(exact=True, filter=_filter(where)))

    def hybrid_query(self, query: HybridQuery) -> list[Hit]:
        where = _filter(query.where)
        sparse = qe.SparseVector(indices=query.sparse_indices, values=query.sparse_values)
        prefetches = [
            qe.Prefetch(limit=query.candidates, query=qe.Query.Nearest(query.dense, using=DENSE), filter=where),
            qe.Prefetch(limit=query.candidates, query=qe.Query.Nearest(sparse, using=SPARSE), filter=where),
        ]
        weights = [1.0, 1.0]
        if query.keyword_tags:
            keyword_where = _filter(Where(**{**query.where.__dict__, "keyword_tags": query.keyword_tags}))
            prefetches.append(
                qe.Prefetch(limit=query.candidates, query=qe.Query.Nearest(query.dense, using=DENSE), filter=keyword_where)
            )
            weights.append(query.keyword_weight)
        request = qe.QueryRequest(
            limit=query.limit,
            query=qe.Fusion.Rrf(k=60, weights=weights),
            prefetches=prefetches,
            filter=where,
            with_payload=True,
        )
        return [Hit(id=str(p.id), score=float(p.score), payload=dict(p.payload or {})) for p in self.shard.query(request)]

    def scroll(self, where: Where, batch: int = 256) -> Iterator[Hit]:
        offset = None
        while True:
            records, offset = self.shard.scroll(
                qe.ScrollRequest(offset=offset, limit=batch, filter=_filter(where), with_payload=True, with_vector=False)
            )
            for record in records:
                yield Hit(id=str(record.id), score=0.0, payload=dict(record.payload or {}))
            if offset is None:
                return

    def flush(self) -> None:
        if self._shard is not None:
            self._shard.flush()

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None
