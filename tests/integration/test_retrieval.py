"""Retrieval on the real sample corpus, real embeddings and the real embedded Qdrant engine."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.errors import BadRequest, KeyringError, StoreMissing
from kb.services import Services
from kb.settings import load_settings


def test_code_question_finds_that_codes_record_first(services):
    results = services.retriever.search("what does modifier GA mean?", "coder", 5)
    assert results[0].document == "cms_hcpcs/HCPCS_2020.csv" and results[0].section == "GA"


def test_hcpcs_code_lookup_returns_the_code_row(services):
    results = services.retriever.search("G0439", "coder", 3)
    assert results[0].section == "G0439" and "G0439" in results[0].text


def test_a_code_typed_in_lower_case_finds_its_record_first(services):
    results = services.retriever.search("what is g0439?", "coder", 3)
    assert results[0].section == "G0439"


def test_icd_code_with_dot_matches_addenda_record_without_dot(services):
    results = services.retriever.search("Was B37.31 added in FY2023?", "coder", 5)
    assert results[0].document == "cms_icd10cm/icd10cm-codes-addenda-2023.txt"
    assert "B3731" in results[0].text


def test_records_request_deadline_is_found_on_the_hipaa_access_page(services):
    results = services.retriever.search("how long do we have to answer a patient's request for their records?", "front_desk", 5)
    assert any(p.document == "hhs_ocr_hipaa/hipaa_combined.pdf" and "30 days" in p.text for p in results)


def test_a_rule_cut_by_a_page_break_reaches_its_passage_whole(services):
    # § 164.530(j)(2) starts at the foot of page 113 and ends on page 114.
    results = services.retriever.search("How long are we required to keep our HIPAA privacy policies and related documentation?", "admin", 6)
    retention = [p for p in results if p.section == "§ 164.530" and "must retain the documentation" in p.text]
    assert retention and all(
        "six years from the date of its creation" in " ".join(p.text.split()) for p in retention
    )


def test_definition_question_brings_the_defining_sentence_into_the_top_three(services):
    results = services.retriever.search("What is a business associate? Our billing company keeps coming up.", "front_desk", 3)
    assert any("business associate means" in " ".join(p.text.lower().split()) for p in results)


def test_a_definition_question_embeds_its_question_and_definition_search_in_one_batch(services, monkeypatch):
    batches: list[list[str]] = []
    embed = services.embedder.embed
    monkeypatch.setattr(services.embedder, "embed", lambda texts: batches.append(texts) or embed(texts))
    services.retriever.search("What is a business associate?", "front_desk", 3)
    assert len(batches) == 1 and len(batches[0]) == 2


def test_a_result_names_its_documents_publisher_from_the_corpus_config(services):
    results = services.retriever.search("breach notification to individuals", "admin", 5)
    hipaa = [p for p in results if p.document == "hhs_ocr_hipaa/hipaa_combined.pdf"]
    assert hipaa and all(p.publisher == "HHS Office for Civil Rights" for p in hipaa)


def test_front_desk_never_sees_coding_references(services):
    for question in ("what does modifier GA mean?", "G0439", "NCCI procedure to procedure edits", "B37.31"):
        results = services.retriever.search(question, "front_desk", 10)
        assert all(p.collection != "coding_references" for p in results)


def test_every_result_carries_document_page_section_text_score_collection(services):
    results = services.retriever.search("breach notification to individuals", "admin", 5)
    assert results
    for p in results:
        assert p.document and p.text and p.collection and isinstance(p.score, float)
        assert p.page is None or p.page >= 1


@pytest.mark.parametrize(
    ("query", "role", "k", "message"),
    [
        ("", "coder", 5, "empty"),
        ("x" * 100_000, "coder", 5, "limit"),
        ("records", "coder", 0, "k must be"),
        ("records", "coder", 500, "k must be"),
        ("records", "nurse", 5, "unknown role"),
        ("records", None, 5, "no role"),
    ],
)
def test_bad_queries_get_a_clear_error(services, query, role, k, message):
    with pytest.raises(BadRequest, match=message):
        services.retriever.search(query, role, k)


def test_search_json_prints_exactly_the_documented_shape(private_copy_settings, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(private_copy_settings.home))
    result = CliRunner().invoke(main, ["search", "--json", "-k", "3", "--role", "coder", "modifier 59"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["results"] and len(body["results"]) == 3
    assert set(body["results"][0]) == {"document", "page", "section", "text", "score", "collection"}


def test_search_cli_reports_bad_input_in_one_line(private_copy_settings, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(private_copy_settings.home))
    result = CliRunner().invoke(main, ["search", "--json", "-k", "99", "--role", "coder", "modifier 59"])
    assert result.exit_code == 1 and result.stderr.strip().splitlines()[-1].startswith("Error: k must be")


def test_store_that_does_not_exist_fails_clearly(tmp_path):
    with pytest.raises((StoreMissing, KeyringError), match="kb ingest"):
        Services(load_settings(home=tmp_path / "empty")).retriever.search("records", "coder", 5)


def test_store_made_with_another_key_fails_closed(private_copy_settings):
    ingested_settings = private_copy_settings
    from kb.keyring import encode_key, generate_key

    other = load_settings(home=ingested_settings.home, master_key=encode_key(generate_key()))
    with pytest.raises(KeyringError, match="wrong key"):
        Services(other).retriever.search("records", "coder", 5)
