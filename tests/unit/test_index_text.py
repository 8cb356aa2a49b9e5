from ingest.index_text import embedding_text, record_embedding_text, section_headings, section_lead, sparse_text
from kb.models import Chunk, ChunkMeta, ParsedBlock


def make_chunk(text: str, section: str | None = None, keywords: list[str] | None = None) -> Chunk:
    meta = ChunkMeta(
        chunk_id="c1", doc_id="d1", document="doc.pdf", collection="regs", roles=["admin"],
        title="HIPAA Administrative Simplification Regulation Text", section=section, char_start=0,
        char_end=len(text), content_hash="h", file_hash="f", position=3, keywords=keywords or [],
    )
    return Chunk(meta=meta, text=text)


def test_section_headings_keep_the_first_heading_text_of_each_section():
    blocks = [
        ParsedBlock(text="§ 164.524 Access of individuals to\nprotected health information.", kind="heading", section="§ 164.524"),
        ParsedBlock(text="(a) Standard.", section="§ 164.524"),
        ParsedBlock(text="(b) Later heading", kind="heading", section="§ 164.524"),
    ]
    assert section_headings(blocks) == {"§ 164.524": "§ 164.524 Access of individuals to protected health information."}


def test_a_chunk_deep_in_a_section_is_indexed_with_its_section_heading():
    chunk = make_chunk("(2) The covered entity must act no later than 30 days.", section="§ 164.524")
    headings = {"§ 164.524": "§ 164.524 Access of individuals to protected health information."}
    assert "Access of individuals" in embedding_text(chunk, headings)
    assert "Access of individuals" in sparse_text(chunk, headings)
    assert embedding_text(chunk, headings).endswith(chunk.text)


def test_section_lead_does_not_repeat_a_heading_already_in_the_label():
    chunk = make_chunk("text", section="Chapter I > E. Modifiers")
    assert section_lead(chunk, {"Chapter I > E. Modifiers": "E. Modifiers"}) == "Chapter I > E. Modifiers"


def test_a_code_record_is_embedded_as_its_code_and_descriptions_only():
    text = "HCPC/MOD: GA | ACTION CD: No Change | SHORT DESCRIPTION: Liability waiver ind case | LONG DESCRIPTION: Waiver of liability statement issued as required by payer policy, individual case | PRICE1: 57"
    chunk = make_chunk(text, section="GA", keywords=["GA"])
    embedded = record_embedding_text(chunk)
    assert embedded.startswith("GA: ")
    assert "Waiver of liability statement" in embedded and "HCPC/MOD" not in embedded and "57" not in embedded
    assert embedding_text(chunk, {}) == embedded


def test_record_values_contained_in_a_longer_value_are_not_repeated():
    chunk = make_chunk("SHORT: Dressing for one wound | LONG: Dressing for one wound", section="A1", keywords=["A1"])
    assert record_embedding_text(chunk) == "A1: Dressing for one wound"


def test_prose_that_merely_mentions_a_code_is_not_treated_as_a_record():
    chunk = make_chunk("Report modifier GA when a waiver is on file.", section="Chapter I", keywords=["GA"])
    assert embedding_text(chunk, {}).endswith(chunk.text)
