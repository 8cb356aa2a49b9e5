from store.sparse import document_weights, query_weights, stem, terms


def test_stop_words_are_dropped_and_plurals_stemmed():
    assert terms("The records of the patients") == ["record", "patient"]


def test_codes_become_exact_code_terms():
    assert "code:B3731" in terms("Is B37.31 in the ICD-10-CM addenda?")


def test_numbers_and_cfr_sections_survive_tokenising():
    words = terms("within 30 days under 164.524")
    assert "30" in words and "164.524" in words


def test_document_weights_saturate_with_term_frequency():
    once = document_weights("modifier")["modifier"]
    many = document_weights("modifier " * 20)["modifier"]
    assert once < many < 2.2 * once


def test_query_weights_are_uniform():
    assert set(query_weights("records request records").values()) == {1.0}


def test_stemmer_leaves_short_words_and_numbers():
    assert stem("has") == "has" and stem("2013s") == "2013s" and stem("policies") == "policy"
