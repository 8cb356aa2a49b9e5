"""The text helpers every answering stage shares: the content-term stemmer and the quote normal form."""

from __future__ import annotations

import pytest

from answering.text import content_terms, match_form, stem


@pytest.mark.parametrize(
    ("words", "stemmed"),
    [
        (("encrypting", "encryption", "encrypted"), "encrypt"),
        (("request", "requests", "requested"), "request"),
        (("correction", "corrected", "corrections"), "correct"),
        (("exemption", "exempt"), "exempt"),
    ],
)
def test_forms_of_one_word_share_a_stem(words, stemmed):
    assert {stem(w) for w in words} == {stemmed}


def test_short_words_keep_their_ending():
    assert stem("action") == "action" and stem("section") == "section"


def test_content_terms_drop_stopwords_and_repeats():
    assert content_terms("Is encrypting ePHI required, and is the encryption addressable?") == [
        "encrypt", "ephi", "requir", "addressable"
    ]


def test_quotes_match_across_hyphenation_dashes_and_spacing():
    assert match_form("cost- based fee ( see below )") == match_form("cost-based fee (see below)")
