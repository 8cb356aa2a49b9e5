"""How close in meaning a sentence is to a question, by the embedding model retrieval already holds.

Word overlap cannot tell 'a late penalty applies after 63 days without coverage' from any other sentence
about coverage; the sentence embedding can. Vectors of sentences are kept, since the same passages come
back for related questions."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from answering.text import strip_list_marker

CACHED_SENTENCES = 8192
EMBEDDED_WORDS = 16  # 12-20 words measured alike on the dev set; 32 was slower and no better


class TextEmbedder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


class SentenceSimilarity:
    """Cosine similarity of a question to each sentence (the model's vectors are normalised)."""

    def __init__(self, embedder: TextEmbedder, cached_sentences: int = CACHED_SENTENCES) -> None:
        self._embedder = embedder
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._capacity = cached_sentences
        self._lock = threading.Lock()

    def __call__(self, requests: Sequence[tuple[str, Sequence[str]]]) -> list[list[float]]:
        # A sentence's opening words say what it is about; embedding only those keeps answering fast.
        openings = [[_opening(sentence) for sentence in sentences] for _, sentences in requests]
        wanted = [text for (question, _), opened in zip(requests, openings) if opened for text in (question, *opened)]
        vectors = self._vectors_of(wanted)
        return [
            [float(vectors[opening] @ vectors[question]) for opening in opened]
            for (question, _), opened in zip(requests, openings)
        ]

    def _vectors_of(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors, and the missing ones embedded in one batch."""
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            fresh = dict(zip(missing, self._embedder.embed(missing)))
            known.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self._capacity:
                    self._vectors.popitem(last=False)
        return known


# 'Except as provided in paragraph (b)(2)(ii) of this section, ...': a cross-reference says nothing of the topic.
_CROSS_REFERENCE_LEAD = re.compile(
    r"^(?:except as (?:otherwise )?provided|subject to|pursuant to|in accordance with|as provided)\b[^,]{0,100},\s*"
    # 'As used in this subpart, the following terms have the following meanings: Breach means ...'
    r"|^(?:as used in|for (?:the )?purposes of)\b[^:]{0,120}\bfollowing (?:terms?|definitions?)\b[^:]{0,60}:\s*",
    re.IGNORECASE,
)


def _opening(sentence: str) -> str:
    unmarked = strip_list_marker(sentence)
    lead = _CROSS_REFERENCE_LEAD.match(unmarked)
    about = unmarked[lead.end() :] if lead else sentence
    return " ".join(about.split()[:EMBEDDED_WORDS])
