"""Staff's everyday wording, and the documents' words retrieval adds for it."""

from __future__ import annotations

import pytest

from kb.vocabulary import documents_wording, with_documents_wording


@pytest.mark.parametrize(
    ("question", "documents_say"),
    [
        ("A patient emailed asking for a copy of her chart.", "right of access"),
        ("Her allergy list is wrong and she wants it fixed.", "amendment"),
        ("She wants a list of everybody we've sent her records to.", "accounting of disclosures"),
        ("He is paying cash and doesn't want his insurance company to know.", "paid out of pocket in full"),
        ("The copier repair guy wants to go back to the server closet.", "visitor escort"),
        ("Pt signed an ABN for the lab.", "advance beneficiary notice"),
        ("We drew blood twice.", "venipuncture"),
    ],
)
def test_an_everyday_phrase_brings_the_documents_words_for_it(question, documents_say):
    assert documents_say in documents_wording(question)


def test_a_question_in_the_documents_own_words_brings_nothing():
    assert documents_wording("What does modifier 59 mean under the NCCI program?") == ""


def test_a_phrase_is_matched_as_whole_words_only():
    assert "visitor" not in documents_wording("The representative payee form is in the prepared folder.")


def test_the_search_text_is_the_question_followed_by_the_documents_words_in_brackets():
    assert with_documents_wording("Can I see my chart?") == "Can I see my chart? (protected health information)"
    assert with_documents_wording("What is modifier 59?") == "What is modifier 59?"


def test_an_everyday_word_with_another_sense_brings_nothing_in_that_sense():
    assert documents_wording("Is there a code for ME/CFS now, or are we still stuck with postviral fatigue?") == ""
    assert documents_wording("Patients keep asking me when they can change plans.") == ""
