"""The text helpers every answering stage shares: the content-term stemmer and the quote normal form."""

from __future__ import annotations

import pytest

from answering.text import content_terms, match_form, split_sentences, stem


@pytest.mark.parametrize(
    ("words", "stemmed"),
    [
        (("encrypting", "encryption", "encrypted"), "encrypt"),
        (("request", "requests", "requested"), "request"),
        (("correction", "corrected", "corrections"), "correct"),
        (("exemption", "exempt"), "exempt"),
        (("delete", "deleted", "deletion", "deletions"), "delet"),
        (("require", "required", "requirement", "requirements"), "requir"),
        (("revise", "revised", "revision", "revisions"), "revis"),
        (("terminate", "terminated", "termination"), "terminat"),
        (("date", "dated", "dates"), "dat"),
        (("add", "added", "addition", "additions"), "add"),
        (("define", "defined", "definition"), "defin"),
    ],
)
def test_forms_of_one_word_share_a_stem(words, stemmed):
    assert {stem(w) for w in words} == {stemmed}


def test_short_words_keep_their_ending():
    assert stem("action") == "action" and stem("section") == "section"


def test_content_terms_drop_stopwords_and_repeats():
    assert content_terms("Is encrypting ePHI required, and is the encryption addressable?") == [
        "encrypt", "ephi", "requir", "addressabl"
    ]


def test_quotes_match_across_hyphenation_dashes_and_spacing():
    assert match_form("cost- based fee ( see below )") == match_form("cost-based fee (see below)")


def test_the_next_list_items_marker_left_at_a_sentence_end_is_dropped():
    from answering.text import strip_list_marker

    assert strip_list_marker("The MUE value for an appendectomy is 1 since there is only 1 appendix. b.") == (
        "The MUE value for an appendectomy is 1 since there is only 1 appendix."
    )
    assert strip_list_marker("MUEs are based on number of services per day of service. d") == (
        "MUEs are based on number of services per day of service."
    )
    assert strip_list_marker("This is covered under Medicare Part B.") == "This is covered under Medicare Part B."


def test_a_prefix_written_with_or_without_its_hyphen_is_one_word():
    assert "nonparticipat" in content_terms("Generally, non-participating providers may not charge more.")
    assert content_terms("nonparticipating") == ["nonparticipat"]


def test_people_are_the_individuals_and_residents_the_rules_count():
    from answering.text import term_alternatives

    assert {"individual", "resident"} <= term_alternatives(stem("people"))


def test_a_record_files_summary_counts_are_read_as_one_unit():
    addenda = "Add:         B3731   Acute candidiasis of vulva and vagina\n\nCodes\n  1176 additions\n   287 deletions\n    28 revisions\n"
    assert split_sentences(addenda, "cms_icd10cm/icd10cm-codes-addenda-2023.txt") == [
        "Add:         B3731   Acute candidiasis of vulva and vagina",
        "1176 additions 287 deletions 28 revisions",
    ]


def test_a_paragraphs_run_in_heading_is_read_with_the_sentence_it_heads():
    regulation = (
        "(ii) Implementation specifications:\n\n"
        "(A) Risk analysis (Required). Conduct an accurate and thorough assessment of the potential risks. "
        "Document the assessment.\n"
    )
    assert split_sentences(regulation, "hhs_ocr_hipaa/hipaa_combined.pdf") == [
        "(ii) Implementation specifications:",
        "(A) Risk analysis (Required). Conduct an accurate and thorough assessment of the potential risks.",
        "Document the assessment.",
    ]


def test_a_short_bulleted_sentence_stays_apart_from_the_next():
    leaflet = "• Drop your Medicare drug plan. Your chance to change plans lasts for 3 full months.\n"
    assert split_sentences(leaflet, "cms_medicare/leaflet.pdf") == [
        "• Drop your Medicare drug plan.",
        "Your chance to change plans lasts for 3 full months.",
    ]


def test_an_adverb_stems_to_its_adjective():
    assert stem("automatically") == stem("automatic") and stem("annually") == stem("annual")
