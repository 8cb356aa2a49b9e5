"""The embedder shared by concurrent requests: callers waiting for the model are embedded in one batch."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from kb.embedding import Embedder


class SlowModel:
    """Stands in for the sentence-transformers model: the first batch waits until released."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release_first = threading.Event()
        self.fail = False

    def encode(self, texts, **_kwargs):
        self.batches.append(list(texts))
        if len(self.batches) == 1:
            self.release_first.wait(5)
        if self.fail:
            raise RuntimeError("model crashed")
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)


def embedder_with(model: SlowModel) -> Embedder:
    embedder = Embedder.__new__(Embedder)  # the model itself is not what these tests are about
    embedder._model = model
    embedder._batch_size = 32
    embedder.dimension = 2
    embedder._model_lock = threading.Lock()
    embedder._waiting_lock = threading.Lock()
    embedder._waiting = []
    return embedder


def run_concurrently(embedder: Embedder, model: SlowModel, texts: list[list[str]]) -> list[object]:
    results: list[object] = [None] * len(texts)

    def call(i: int) -> None:
        try:
            results[i] = embedder.embed(texts[i])
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(texts))]
    threads[0].start()
    while not model.batches:
        time.sleep(0.001)
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 5
    while len(embedder._waiting) < len(texts) - 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    model.release_first.set()
    for thread in threads:
        thread.join(5)
    return results


def test_callers_waiting_for_the_model_are_embedded_in_one_batch_and_each_gets_its_own_vectors():
    model = SlowModel()
    embedder = embedder_with(model)
    texts = [["first"], ["a", "bb"], ["ccc"], ["dddd", "eeeee", "ffffff"]]
    results = run_concurrently(embedder, model, texts)
    assert len(model.batches) == 2  # the first caller's batch, then everyone who waited meanwhile
    assert sorted(model.batches[1]) == sorted(t for group in texts[1:] for t in group)
    for group, vectors in zip(texts, results):
        assert isinstance(vectors, np.ndarray)
        assert vectors[:, 0].tolist() == [float(len(t)) for t in group]


def test_a_model_failure_reaches_every_caller_of_the_batch():
    model = SlowModel()
    model.fail = True
    embedder = embedder_with(model)
    results = run_concurrently(embedder, model, [["x"], ["y"], ["z"]])
    assert all(isinstance(r, RuntimeError) for r in results)


def test_no_text_needs_no_model():
    embedder = embedder_with(SlowModel())
    assert embedder.embed([]).shape == (0, 2)


@pytest.mark.parametrize("texts", [["one short question"], ["a", "b", "c"]])
def test_the_real_model_gives_the_same_vectors_alone_and_combined(texts):
    from kb.settings import EmbeddingSettings

    embedder = Embedder(EmbeddingSettings(device="cpu"))
    alone = np.vstack([embedder.embed([t]) for t in texts])
    together = embedder.embed(texts)
    assert np.allclose(alone, together, atol=1e-5)
