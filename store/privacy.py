"""What keeps a stolen store from revealing content through its indexes.

- Sparse term ids and exact-match keyword tags are keyed hashes: the index does not reveal the vocabulary.
- Dense vectors are stored after a secret orthogonal rotation: cosine scores are unchanged, but the
  stored vectors cannot be fed to an embedding-inversion model without the key.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np

from kb.keyring import KeyRing

INDEX_KEY = "index"


class TermHasher:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def term_index(self, term: str) -> int:
        digest = hmac.new(self._key, b"term:" + term.encode("utf-8"), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big")

    def tag(self, kind: str, value: str) -> str:
        """Opaque tag for an exact-match keyword (a code) or a file fingerprint."""
        return hmac.new(self._key, f"{kind}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class VectorRotation:
    def __init__(self, key: bytes, dimension: int) -> None:
        rng = np.random.default_rng(np.frombuffer(key, dtype=np.uint32))
        q, r = np.linalg.qr(rng.standard_normal((dimension, dimension)))
        self._matrix = (q * np.sign(np.diag(r))).astype(np.float32)
        self.dimension = dimension

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        return np.asarray(vectors, dtype=np.float32) @ self._matrix.T


def privacy_from_keyring(keyring: KeyRing, dimension: int) -> tuple[TermHasher, VectorRotation]:
    keyring.ensure(INDEX_KEY)
    return (
        TermHasher(keyring.derive(INDEX_KEY, "sparse-term-hash")),
        VectorRotation(keyring.derive(INDEX_KEY, "dense-rotation"), dimension),
    )
