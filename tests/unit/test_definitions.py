"""Which questions ask for a definition, and of what term."""

from __future__ import annotations

import pytest

from retrieval.definitions import definition_query, defined_term


@pytest.mark.parametrize(
    "question, term",
    [
        ("What is a covered entity?", "covered entity"),
        ("What is an NPI, in plain terms?", "NPI"),
        ("What exactly counts as a disclosure?", "disclosure"),
        ("What legally counts as a 'workforce' under HIPAA?", "workforce"),
        ("What does the manual mean by 'unbundling'?", "unbundling"),
        ("What does incident mean in our policy?", "incident"),
        ("How does the rule define health care operations?", "health care operations"),
        ("What's a 'designated record set' in the privacy rule?", "designated record set"),
    ],
)
def test_definition_questions_name_their_term(question, term):
    assert defined_term(question) == term


@pytest.mark.parametrize(
    "question",
    [
        "What are the dates for the fall open enrollment?",
        "What's the cap over the fee schedule?",
        "How long do we have to answer a records request?",
        "What does modifier 59 mean?",  # a code: exact code matching finds its record
        "What is HCPCS G0439?",
    ],
)
def test_other_questions_and_codes_are_not_definition_lookups(question):
    assert defined_term(question) is None


def test_definition_query_reads_like_a_defining_sentence():
    assert definition_query("business associate") == "business associate means"


def test_only_a_sentence_defining_the_asked_term_counts_as_its_definition():
    from retrieval.definitions import defines

    assert defines("protected health information", "Protected health information means individually identifiable")
    assert defines("MUE", "An MUE is the maximum units of service reported for a code.")
    assert defines("business associate", "(1) Except as provided, business associate means, with respect to")
    assert not defines("protected health information", "Confidentiality means the property that data is not disclosed.")
    assert not defines("MUE", "The MUE value for an appendectomy is 1.")
    assert defines("add-on code", "Some CPT codes are add-on codes (AOCs) which describe a service that can only")
