"""Chunking: every chunk fits the embedding window, keeps its structure labels, points back into the
document text, and has an id that depends only on the document, its content and its position."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict

import pytest

from corpus_config.schema import EMBEDDING_WINDOW_TOKENS, ChunkingConfig, load_corpus_config
from ingest.chunking import chunk_document, chunk_id, document_id, document_text
from ingest.sandbox import ParserPool
from kb.embedding import Embedder
from kb.models import Chunk, DocumentInfo, ParsedBlock
from kb.settings import SAMPLE_CONFIG, EmbeddingSettings, IngestSettings

FILE_HASH = "ab" * 32
SPECIAL_TOKENS = 2  # [CLS] and [SEP]


def words(text: str) -> int:
    return len(text.split())


def info(path: str = "policies/example.md") -> DocumentInfo:
    return DocumentInfo(path=path, collection="internal_policies", roles=["admin"], title="Example")


def chunk(blocks: list[ParsedBlock], max_tokens: int = 40, overlap: int = 4, min_tokens: int = 3) -> list[Chunk]:
    config = ChunkingConfig(max_tokens=max_tokens, overlap_tokens=overlap, min_tokens=min_tokens)
    return chunk_document(blocks, info(), FILE_HASH, config, words)


def sentences(count: int, start: int = 0) -> str:
    return " ".join(f"Sentence number {n} says something useful here." for n in range(start, start + count))


# --- the whole sample corpus, with the real tokenizer ---------------------------------------------


@pytest.fixture(scope="module")
def count_tokens():
    return Embedder(EmbeddingSettings(device="cpu")).count_tokens


@pytest.fixture(scope="module")
def corpus_chunks(count_tokens) -> dict[str, tuple[list[ParsedBlock], list[Chunk]]]:
    """document path -> (its blocks, its chunks), parsed in the sandbox as ingest does."""
    corpus = load_corpus_config(SAMPLE_CONFIG)
    documents = corpus.discover()
    chunked = {}
    with ParserPool(IngestSettings(), workers=2) as pool:
        parsed = pool.parse_many([corpus.corpus_root / doc.path for doc in documents])
        for doc, (_, blocks) in zip(documents, parsed):
            assert isinstance(blocks, list), f"{doc.path}: {blocks}"
            chunked[doc.path] = (blocks, chunk_document(blocks, doc, FILE_HASH, corpus.chunking, count_tokens))
    return chunked


def test_no_chunk_of_the_corpus_exceeds_the_model_window(corpus_chunks, count_tokens):
    limit = ChunkingConfig().max_tokens
    assert limit <= EMBEDDING_WINDOW_TOKENS - SPECIAL_TOKENS
    oversized = [
        (path, c.meta.position, count_tokens(c.text))
        for path, (_, chunks) in corpus_chunks.items()
        for c in chunks
        if count_tokens(c.text) > limit
    ]
    assert not oversized
    assert all(chunks for path, (_, chunks) in corpus_chunks.items()), "every document yields chunks"


def test_spans_index_back_into_the_document_text(corpus_chunks):
    for path, (blocks, chunks) in corpus_chunks.items():
        text, _ = document_text(blocks)
        for c in chunks:
            assert text[c.meta.char_start : c.meta.char_end] == c.text, (path, c.meta.position)
            assert c.meta.content_hash == hashlib.sha256(c.text.encode("utf-8")).hexdigest()
        assert [c.meta.position for c in chunks] == list(range(len(chunks)))


def test_pdf_chunks_stay_on_one_page(corpus_chunks):
    for path, (blocks, chunks) in corpus_chunks.items():
        if path.endswith(".pdf"):
            text, offsets = document_text(blocks)
            for c in chunks:
                pages = {b.page for b, (start, end) in zip(blocks, offsets) if start < c.meta.char_end and end > c.meta.char_start}
                assert pages == {c.meta.page}, (path, c.meta.position)


def test_regulation_section_label_is_stored_with_its_paragraphs(corpus_chunks):
    _, chunks = corpus_chunks["hhs_ocr_hipaa/hipaa_combined.pdf"]
    access = [c for c in chunks if c.meta.section == "§ 164.524"]
    first = access[0]
    assert first.text.startswith("§ 164.524 Access of individuals to protected health information.\n\n(a) Standard:")
    assert "164.524" in first.meta.keywords
    assert len({c.meta.page for c in access}) >= 2, "the section runs over pages, one page per chunk"


def test_code_file_rows_are_never_merged_across_codes(corpus_chunks):
    _, chunks = corpus_chunks["cms_hcpcs/HCPCS_2020.csv"]
    for c in chunks:
        assert c.text.count("HCPC/MOD: ") <= 1
        assert c.meta.keywords[0] == c.meta.section
    by_code = defaultdict(list)
    for c in chunks:
        by_code[c.meta.section].append(c)
    [g0439] = by_code["G0439"]
    assert g0439.text.startswith("HCPC/MOD: G0439 | ")
    _, addenda = corpus_chunks["cms_icd10cm/icd10cm-codes-addenda-2023.txt"]
    [revision] = [c for c in addenda if c.meta.section == "C8440"]
    assert revision.text.count("C8440") == 2 and "B373" not in revision.text


def test_document_metadata_is_copied_onto_every_chunk(corpus_chunks):
    corpus = load_corpus_config(SAMPLE_CONFIG)
    doc = corpus.document_info("cms_hcpcs/HCPCS_2020.csv")
    _, chunks = corpus_chunks[doc.path]
    meta = chunks[0].meta
    assert (meta.document, meta.collection, meta.roles, meta.title) == (doc.path, doc.collection, doc.roles, doc.title)
    assert (meta.effective_date, meta.dated_note, meta.file_hash) == (doc.effective_date, doc.dated_note, FILE_HASH)
    assert meta.doc_id == document_id(doc.path)


# --- grouping rules, with a word-count tokenizer -----------------------------------------------------


def test_blocks_of_one_section_are_packed_up_to_the_limit():
    blocks = [ParsedBlock(text=sentences(1, n), section="A") for n in range(10)]  # 7 words each
    chunks = chunk(blocks, max_tokens=40)
    assert [words(c.text) for c in chunks] == [35, 35]
    assert all(c.meta.section == "A" for c in chunks)


def test_a_new_section_or_page_starts_a_new_chunk():
    blocks = [
        ParsedBlock(text="Alpha text here.", page=1, section="§ 1"),
        ParsedBlock(text="Beta text here.", page=1, section="§ 2"),
        ParsedBlock(text="Gamma text here.", page=2, section="§ 2"),
    ]
    assert [(c.text, c.meta.page, c.meta.section) for c in chunk(blocks)] == [
        ("Alpha text here.", 1, "§ 1"),
        ("Beta text here.", 1, "§ 2"),
        ("Gamma text here.", 2, "§ 2"),
    ]


def test_oversized_block_is_split_at_sentences_within_the_limit():
    text = sentences(20)  # 140 words
    chunks = chunk([ParsedBlock(text=text, section="A")], max_tokens=40, overlap=8)
    assert len(chunks) >= 4
    assert all(words(c.text) <= 40 for c in chunks)
    assert all(c.text.endswith(".") and c.text.startswith("Sentence") for c in chunks)
    assert all(text[c.meta.char_start : c.meta.char_end] == c.text for c in chunks)
    assert any(later.meta.char_start < earlier.meta.char_end for earlier, later in zip(chunks, chunks[1:])), "overlap"


def test_text_without_sentence_breaks_is_split_at_words_within_the_limit():
    text = " ".join(f"w{n}" for n in range(130))
    chunks = chunk([ParsedBlock(text=text)], max_tokens=40)
    assert all(words(c.text) <= 40 for c in chunks)
    assert set(" ".join(c.text for c in chunks).split()) == set(text.split())


def test_a_run_no_splitter_can_break_is_cut_hard_within_the_limit():
    config = ChunkingConfig(max_tokens=40, overlap_tokens=0, min_tokens=0)
    chunks = chunk_document([ParsedBlock(text="x" * 130)], info(), FILE_HASH, config, len)
    assert [len(c.text) for c in chunks] == [40, 40, 40, 10]


def test_a_heading_stays_with_the_text_that_follows_it():
    blocks = [ParsedBlock(text="§ 164.524 Access.", kind="heading", section="§ 164.524"), ParsedBlock(text=sentences(10), section="§ 164.524")]
    first = chunk(blocks, max_tokens=40)[0]
    assert first.text.startswith("§ 164.524 Access.\n\nSentence number 0")


def test_records_group_only_with_records_of_the_same_code():
    blocks = [
        ParsedBlock(text="Revise from: C8440 old", kind="record", section="C8440", keywords=["C8440"]),
        ParsedBlock(text="Revise to: C8440 new", kind="record", section="C8440", keywords=["C8440"]),
        ParsedBlock(text="Add: C8441 other", kind="record", section="C8441", keywords=["C8441"]),
        ParsedBlock(text="Add: C8442 another", kind="record", section="C8442", keywords=["C8442"]),
    ]
    assert [(c.meta.section, c.meta.keywords, c.text.count("\n\n")) for c in chunk(blocks)] == [
        ("C8440", ["C8440"], 1),
        ("C8441", ["C8441"], 0),
        ("C8442", ["C8442"], 0),
    ]


def test_keywords_of_a_split_block_go_only_to_pieces_that_mention_them():
    text = sentences(6) + " See § 164.524 for access. " + sentences(6, 6)
    chunks = chunk([ParsedBlock(text=text, keywords=["164.524"])], max_tokens=32, overlap=0)
    assert [("164.524" in c.meta.keywords) for c in chunks] == [("164.524" in c.text) for c in chunks]
    assert any("164.524" in c.meta.keywords for c in chunks)


def test_ids_are_deterministic_and_change_with_the_file():
    blocks = [ParsedBlock(text=sentences(3, n), section="A") for n in range(5)]
    first, again = chunk(blocks), chunk(blocks)
    assert [c.meta.chunk_id for c in first] == [c.meta.chunk_id for c in again]
    changed = chunk_document(blocks, info(), "cd" * 32, ChunkingConfig(max_tokens=40, overlap_tokens=4), words)
    assert not {c.meta.chunk_id for c in first} & {c.meta.chunk_id for c in changed}
    assert str(uuid.UUID(first[0].meta.chunk_id)) == first[0].meta.chunk_id
    assert chunk_id(document_id("a.md"), FILE_HASH, 0) == chunk_id(document_id("a.md"), FILE_HASH, 0)
    assert document_id("policies/example.md") == hashlib.sha256(b"policies/example.md").hexdigest()[:16]
