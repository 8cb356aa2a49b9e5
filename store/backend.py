"""The one store interface. Both engines (Qdrant Edge on disk, a Qdrant server) implement it.

Everything here is already protected: vectors rotated, term ids hashed, content sealed. Backends only
move points and translate the neutral `Where` filter into their engine's filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol

DENSE = "dense"
SPARSE = "sparse"
INDEXED_KEYWORD_FIELDS = ("doc_id", "collection", "state", "kw", "file_tag")
INDEXED_INTEGER_FIELDS = ("position",)


@dataclass(frozen=True)
class Where:
    """Conditions that must all hold. None means 'no condition on this field'."""

    collections: tuple[str, ...] | None = None
    doc_id: str | None = None
    state: str | None = None
    keyword_tags: tuple[str, ...] | None = None
    positions: tuple[int, ...] | None = None
    file_tag: str | None = None
    not_file_tag: str | None = None

    def must(self) -> list[tuple[str, Any]]:
        """(payload field, value) pairs that must match; a tuple value means 'any of these'."""
        pairs = [
            ("collection", self.collections),
            ("doc_id", self.doc_id),
            ("state", self.state),
            ("kw", self.keyword_tags),
            ("position", self.positions),
            ("file_tag", self.file_tag),
        ]
        return [(name, value) for name, value in pairs if value is not None]

    def must_not(self) -> list[tuple[str, Any]]:
        return [("file_tag", self.not_file_tag)] if self.not_file_tag is not None else []


@dataclass
class StoredPoint:
    id: str
    dense: list[float]
    sparse_indices: list[int]
    sparse_values: list[float]
    payload: dict[str, Any]


@dataclass
class Hit:
    id: str
    score: float
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HybridQuery:
    dense: list[float]
    sparse_indices: list[int]
    sparse_values: list[float]
    where: Where
    limit: int
    candidates: int
    keyword_tags: tuple[str, ...] = ()
    keyword_weight: float = 2.0


class StoreBackend(Protocol):
    def ensure_collection(self, dimension: int) -> None: ...

    def upsert(self, points: list[StoredPoint]) -> None: ...

    def set_payload(self, where: Where, payload: dict[str, Any]) -> None: ...

    def set_point_payload(self, point_id: str, payload: dict[str, Any]) -> None: ...

    def delete(self, where: Where) -> None: ...

    def count(self, where: Where) -> int: ...

    def hybrid_query(self, query: HybridQuery) -> list[Hit]: ...

    def scroll(self, where: Where, batch: int = 256) -> Iterator[Hit]: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...
