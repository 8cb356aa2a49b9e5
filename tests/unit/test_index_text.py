from ingest.index_text import embedding_text, sparse_text
from kb.models import Chunk, ChunkMeta


def make_chunk(text: str, section: str | None = None, keywords: list[str] | None = None) -> Chunk:
    meta = ChunkMeta(
        chunk_id="c1", doc_id="d1", document="doc.pdf", collection="regs", roles=["admin"],
        title="HIPAA Administrative Simplification Regulation Text", section=section, char_start=0,
        char_end=len(text), content_hash="h", file_hash="f", position=3, keywords=keywords or [],
    )
    return Chunk(meta=meta, text=text)


def test_a_chunk_is_embedded_with_its_document_and_section_ahead_of_its_text():
    chunk = make_chunk("(2) The covered entity must act no later than 30 days.", section="§ 164.524")
    embedded = embedding_text(chunk)
    assert embedded.startswith("HIPAA Administrative Simplification Regulation Text. § 164.524\n")
    assert embedded.endswith(chunk.text)


def test_a_chunk_without_section_gets_the_title_alone_as_lead():
    assert embedding_text(make_chunk("Some text.")) == "HIPAA Administrative Simplification Regulation Text\nSome text."


def test_an_overlong_title_is_cut_so_the_lead_cannot_crowd_out_the_text():
    chunk = make_chunk("Body.")
    chunk.meta.title = " ".join(["word"] * 40)
    assert len(embedding_text(chunk).split("\n")[0].split()) == 14


def test_sparse_text_holds_title_section_and_text_for_exact_term_matches():
    chunk = make_chunk("Waiver of liability statement", section="GA", keywords=["GA"])
    assert sparse_text(chunk).split("\n") == ["HIPAA Administrative Simplification Regulation Text", "GA", "Waiver of liability statement"]
