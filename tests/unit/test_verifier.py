"""The verifier: every shown claim cites a retrieved passage that holds its quote and every fact it states."""

from __future__ import annotations

import pytest

from answering.verifier import DraftClaim, verify_claim, verify_claims
from tests.unit.answering_passages import ACCESS, DATA_RETENTION, GA, ICD, RETENTION, passage

ACCESS_QUOTE = "the covered entity must act on a request for access no later than 30 days after receipt of the request"
BY_ID = {p.chunk_id: p for p in (ACCESS, RETENTION, DATA_RETENTION, GA, ICD)}


def check(text: str, quote: str, *ids: str):
    return verify_claim(DraftClaim(text=text, passage_ids=list(ids), quote=quote), BY_ID)


def test_claim_quoting_its_cited_passage_verbatim_is_kept_with_that_passage():
    result = check("The covered entity must act on a request for access no later than 30 days.", ACCESS_QUOTE, ACCESS.chunk_id)
    assert result.__class__.__name__ == "VerifiedClaim"
    assert [p.chunk_id for p in result.passages] == [ACCESS.chunk_id]
    assert result.quote == ACCESS_QUOTE


@pytest.mark.parametrize(
    "quote",
    [
        "the covered entity must act on a\nrequest for access no later than 30\ndays after receipt",  # line breaks
        "THE COVERED ENTITY MUST ACT ON A REQUEST FOR ACCESS",  # case
        "Individual\u2019s request for access",  # curly apostrophe
        "(2) Timely action by the covered entity",  # as written, bracket spacing aside
    ],
)
def test_quote_matches_after_normalising_whitespace_quotes_and_case(quote):
    assert check("Act on a request for access.", quote, ACCESS.chunk_id).__class__.__name__ == "VerifiedClaim"


def test_word_split_by_the_pdf_extractor_is_not_guessed_back_together():
    # pypdf gives 'req\nuired'; a quote that 'repairs' it is not verbatim, so it is dropped (strict by design).
    assert "req\nuired" in RETENTION.text
    assert check("Keep documentation.", "the documentation required by paragraph (j)(1)", RETENTION.chunk_id).reason == (
        "quote_not_in_cited_passage"
    )


def test_line_end_hyphenation_dashes_and_ligatures_are_normalised():
    hyphenated = passage("p-hyph", "The cov-\nered entity must provide a ﬁrst accounting \u2014 without charge \u2013 in any 12 month period.")
    by_id = {hyphenated.chunk_id: hyphenated}
    claim = DraftClaim(
        text="The first accounting is without charge in any 12 month period.",
        passage_ids=[hyphenated.chunk_id],
        quote="covered entity must provide a first accounting - without charge - in any 12 month period",
    )
    assert verify_claim(claim, by_id).__class__.__name__ == "VerifiedClaim"


def test_claim_without_citation_is_dropped():
    assert check("Act within 30 days.", ACCESS_QUOTE).reason == "no_citation"


def test_claim_citing_a_passage_that_was_not_retrieved_is_dropped():
    dropped = check("Act within 30 days.", ACCESS_QUOTE, ACCESS.chunk_id, "P9")
    assert dropped.reason == "unknown_passage" and "P9" in dropped.detail


def test_claim_citing_the_wrong_passage_is_dropped():
    assert check("Act within 30 days.", ACCESS_QUOTE, RETENTION.chunk_id).reason == "quote_not_in_cited_passage"


def test_invented_quote_is_dropped():
    assert check("Act within 30 days.", "the practice must reply to patients promptly", ACCESS.chunk_id).reason == (
        "quote_not_in_cited_passage"
    )


def test_one_or_two_word_quote_is_too_short_to_vouch_for_anything():
    assert check("Act within 30 days.", "30 days", ACCESS.chunk_id).reason == "quote_too_short"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("The covered entity must act on a request for access no later than 45 days.", "unsupported_duration"),
        ("The covered entity must act on a request for access within 30 business days.", "unsupported_duration"),
        ("The covered entity must act on a request for access no later than 30 months.", "unsupported_duration"),
        ("The covered entity must act on a request for access, or pay $500.", "unsupported_money"),
        ("The covered entity must act on 90% of requests for access within 30 days.", "unsupported_percent"),
        ("Since January 1, 2021 the covered entity must act on a request for access within 30 days.", "unsupported_date"),
        ("Under § 164.530 the covered entity must act on a request for access within 30 days.", "unsupported_code"),
        ("The covered entity must act on 3 requests for access within 30 days.", "unsupported_number"),
    ],
)
def test_claim_stating_a_fact_absent_from_its_passage_is_dropped(text, reason):
    assert check(text, ACCESS_QUOTE, ACCESS.chunk_id).reason == reason


def test_numbers_in_words_match_digits_and_hyphenated_units():
    retention_quote = "for six years from the date of its creation"
    assert check("Documentation is kept for 6 years.", retention_quote, RETENTION.chunk_id).__class__.__name__ == "VerifiedClaim"
    assert check("It is a 6-year retention period.", retention_quote, RETENTION.chunk_id).__class__.__name__ == (
        "VerifiedClaim"
    )
    assert check("Documentation is kept for seven years.", retention_quote, RETENTION.chunk_id).reason == (
        "unsupported_duration"
    )


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("if you go 63 or more days in a row without coverage", "63", "day"),
        ("within 2 full months after the move", "2", "month"),
        ("5 or more business days", "5", "business day"),
        ("for 12 consecutive months", "12", "month"),
    ],
)
def test_qualified_durations_are_durations(text, value, unit):
    from answering.facts import extract_facts

    assert [(f.kind, f.value, f.unit) for f in extract_facts(text).facts] == [("duration", value, unit)]


def test_money_amounts_match_with_or_without_thousands_separators():
    storage = passage("p-money", "Datica will store the data at a rate of $1000/month for up to 100GB.")
    by_id = {storage.chunk_id: storage}
    quote = "store the data at a rate of $1000/month"
    ok = DraftClaim(text="Datica stores the data at $1,000.00 a month.", passage_ids=[storage.chunk_id], quote=quote)
    wrong = DraftClaim(text="Datica stores the data at $1,500 a month.", passage_ids=[storage.chunk_id], quote=quote)
    assert verify_claim(ok, by_id).__class__.__name__ == "VerifiedClaim"
    assert verify_claim(wrong, by_id).reason == "unsupported_money"


def test_dates_match_across_formats():
    dated = passage("p-date", "The rule is effective September 24, 2009 with full compliance required by February 22, 2010.")
    by_id = {dated.chunk_id: dated}
    quote = "The rule is effective September 24, 2009"
    right = DraftClaim(text="The rule is effective 9/24/2009.", passage_ids=["p-date"], quote=quote)
    wrong = DraftClaim(text="The rule is effective 9/23/2009.", passage_ids=["p-date"], quote=quote)
    assert verify_claim(right, by_id).__class__.__name__ == "VerifiedClaim"
    assert verify_claim(wrong, by_id).reason == "unsupported_date"


def test_code_in_the_claim_must_be_in_the_passage_in_any_spelling():
    icd_quote = "Acute candidiasis of vulva and vagina"
    assert check("B37.31 is acute candidiasis of vulva and vagina.", icd_quote, ICD.chunk_id).__class__.__name__ == (
        "VerifiedClaim"
    )
    assert check("B37.32 is acute candidiasis of vulva and vagina.", icd_quote, ICD.chunk_id).reason == "unsupported_code"
    ga_quote = "Waiver of liability statement issued as required by payer policy"
    assert check("Modifier GA means a waiver of liability statement.", ga_quote, GA.chunk_id).__class__.__name__ == (
        "VerifiedClaim"
    )
    assert check("Modifier GZ means a waiver of liability statement.", ga_quote, GA.chunk_id).reason == "unsupported_code"


def test_section_label_of_the_cited_passage_vouches_for_its_cfr_section():
    text = "Under § 164.524, the covered entity must act on a request for access within 30 days."
    assert check(text, ACCESS_QUOTE, ACCESS.chunk_id).__class__.__name__ == "VerifiedClaim"


def test_claim_whose_words_the_passage_does_not_support_is_dropped():
    dropped = check("Patients may sue the hospital for punitive damages in 30 days.", ACCESS_QUOTE, ACCESS.chunk_id)
    assert dropped.reason == "unsupported_wording"


def test_only_cited_passages_that_hold_the_quote_are_kept_as_citations():
    result = check("Act within 30 days.", ACCESS_QUOTE, RETENTION.chunk_id, ACCESS.chunk_id)
    assert [p.chunk_id for p in result.passages] == [ACCESS.chunk_id]


def test_facts_must_be_in_the_passages_holding_the_quote_not_merely_in_another_cited_one():
    text = "The covered entity must act on a request for access and keep documentation for six years."
    dropped = check(text, ACCESS_QUOTE, ACCESS.chunk_id, RETENTION.chunk_id)
    assert dropped.reason == "unsupported_duration"


def test_verify_claims_counts_every_drop_with_its_reason():
    claims = [
        DraftClaim(text="Act within 30 days.", passage_ids=[ACCESS.chunk_id], quote=ACCESS_QUOTE),
        DraftClaim(text="Act within 10 days.", passage_ids=[ACCESS.chunk_id], quote=ACCESS_QUOTE),
        DraftClaim(text="Act within 30 days.", passage_ids=["made-up"], quote=ACCESS_QUOTE),
        DraftClaim(text="", passage_ids=[ACCESS.chunk_id], quote=ACCESS_QUOTE),
    ]
    result = verify_claims(claims, [ACCESS, RETENTION])
    assert len(result.verified) == 1 and result.dropped_count == 3
    assert [d.reason for d in result.dropped] == ["unsupported_duration", "unknown_passage", "empty_claim"]


def test_verify_claims_with_no_passages_drops_everything():
    result = verify_claims([DraftClaim(text="Act within 30 days.", passage_ids=[ACCESS.chunk_id], quote=ACCESS_QUOTE)], [])
    assert result.verified == [] and result.dropped[0].reason == "unknown_passage"


def test_a_number_inside_a_name_is_part_of_the_name_not_a_quantity():
    from answering.facts import extract_facts
    from answering.verifier import unsupported_facts

    facts = extract_facts("ICD-10-CM codes, COVID-19 and Form I-9, within a 30-day period")
    assert {f.value for f in facts.facts if f.kind == "name"} == {"ICD-10-CM", "COVID-19", "I-9"}
    assert facts.numbers == {"30"}
    assert [f.value for f in unsupported_facts("Report ICD-9-CM codes.", "Report ICD-10-CM codes.")] == ["ICD-9-CM"]
