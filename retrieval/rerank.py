"""Optional cross-encoder reranking. None ships offline here; production points KB_RETRIEVAL__RERANKER_PATH
at a local sentence-transformers CrossEncoder directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import ConfigError

if TYPE_CHECKING:
    from store.encrypted import StoredChunk


class Reranker:
    def __init__(self, path: Path) -> None:
        from sentence_transformers import CrossEncoder

        if not path.is_dir():
            raise ConfigError(f"KB_RETRIEVAL__RERANKER_PATH: {path} is not a directory")
        self._model = CrossEncoder(str(path), device="cpu", local_files_only=True)

    def rerank(self, query: str, hits: list["StoredChunk"]) -> list["StoredChunk"]:
        if not hits:
            return hits
        scores = self._model.predict([(query, hit.text) for hit in hits], convert_to_numpy=True)
        order = sorted(range(len(hits)), key=lambda i: float(scores[i]), reverse=True)
        for i in order:
            hits[i].score = float(scores[i])
        return [hits[i] for i in order]


def load_reranker(path: Path | None) -> Reranker | None:
    return Reranker(path) if path is not None else None
