"""The packaged embedding model, as the answer's sentence ranker uses it, tells the answering sentence
from its neighbours on the same topic."""

from __future__ import annotations

import pytest

from answering.meaning import SentenceSimilarity
from kb.embedding import Embedder
from kb.settings import EmbeddingSettings

pytestmark = pytest.mark.integration


def test_packaged_model_finds_the_sentence_that_answers_among_sentences_on_the_same_topic():
    similarity = SentenceSimilarity(Embedder(EmbeddingSettings()))
    sentences = [
        "Drug coverage is offered by Medicare drug plans and by Medicare Advantage plans with drug coverage.",
        "You may pay a late enrollment penalty if you go 63 or more days in a row without creditable coverage.",
        "Drug plans publish their coverage rules every year.",
    ]
    [closeness] = similarity([("How long can someone go without drug coverage before they get a late penalty?", sentences)])
    assert max(range(3), key=closeness.__getitem__) == 1
