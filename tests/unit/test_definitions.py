"""Which questions ask for a definition, and of what term."""

from __future__ import annotations

import pytest

from retrieval.definitions import definition_query, defined_terms


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
    assert defined_terms(question) == (term,)


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
    assert defined_terms(question) == ()


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


def test_a_definition_of_a_narrower_term_does_not_define_the_asked_one():
    from retrieval.definitions import defines, states_definition

    narrower = "Unsecured protected health information means protected health information that is not rendered unusable."
    assert not defines("protected health information", narrower)
    assert not states_definition("protected health information", narrower)
    assert not defines("protected health information", "For purposes of this paragraph, sale of protected health information means")
    assert states_definition("protected health information", "Protected health information means individually identifiable")
    assert states_definition("breach", "The term breach means the acquisition, access, use, or disclosure of PHI.")
    assert defines("MUE", 'The value is "1" because MUEs are based on number of services per day of service.')


def test_a_sentence_saying_where_a_term_is_described_does_not_define_it():
    from retrieval.definitions import defines

    assert not defines("MUE", "1. Medically Unlikely Edits (MUEs) are described in Chapter I, Section V.")
    assert not defines("breach", "A breach is defined in § 164.402.")
    assert defines("breach", "Breach is defined as the acquisition, access, use, or disclosure of PHI.")


def test_a_generic_instance_with_a_short_qualifier_defines_the_term_but_a_particular_one_does_not():
    from retrieval.definitions import defines

    assert defines("MUE", "An MUE for a HCPCS/CPT code is the maximum number of units of service (UOS).")
    assert not defines("MUE", "The MUE for a knee brace is 2 because there are 2 knees.")


def test_a_definition_is_stated_only_where_the_sentence_says_what_the_term_is():
    from retrieval.definitions import states_definition

    assert states_definition("MUE", "MUEs are unit of service edits that were established by CMS.")
    assert states_definition("breach", "As used in this subpart, the following terms have the following meanings: Breach means the acquisition")
    assert not states_definition("MUE", "MUEs are based on number of services per day of service.")
    assert not states_definition("MUE", 'The MUEs are "0" for compounded nebulizer drugs.')
    assert not states_definition(
        "business associate", "A covered entity need not obtain assurances from a business associate that is a subcontractor."
    )


def test_a_comparison_question_names_both_terms():
    question = "In our incident response policy, what's the difference between a 'precursor' and an 'indication'?"
    assert defined_terms(question) == ("precursor", "indication")
    assert defined_terms("What is the difference between a copayment and coinsurance?") == ("copayment", "coinsurance")


def test_a_glossary_line_defines_its_term():
    from retrieval.definitions import defines, states_definition

    glossary = "* Precursors - A sign that an incident may occur in the future. Examples:\n* Indications - A sign that"
    assert states_definition("precursor", glossary) and states_definition("indication", glossary)
    assert not defines("incident", glossary)


def test_an_example_of_a_term_does_not_define_it():
    from retrieval.definitions import defines, states_definition

    example = "An example of upcoding is an instance when you bill a higher level E&M code than was provided."
    assert not defines("upcoding", example)
    assert not states_definition("upcoding", example)
    assert states_definition("upcoding", "Upcoding is billing for a more expensive service than the one performed.")
