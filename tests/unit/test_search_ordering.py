from kb.models import ChunkMeta
from retrieval.search import MAX_CARRIED_CHARS, bare_code_labels, code_records_first, whole_sentences, with_definition
from store.encrypted import StoredChunk, code_label


def stored(chunk_id: str, section: str, score: float) -> StoredChunk:
    meta = ChunkMeta(
        chunk_id=chunk_id, doc_id="d", document="codes.csv", collection="coding", roles=["coder"], title="t",
        section=section, char_start=0, char_end=1, content_hash="h", file_hash="f", position=0,
    )
    return StoredChunk(meta=meta, text="x", score=score)


def test_code_labels_compare_equal_across_spellings():
    assert code_label("§ 164.524") == code_label("164.524")
    assert code_label("B37.31") == code_label("b3731")
    assert code_label("GA") != code_label("GZ")


def test_bare_upper_case_pairs_are_offered_as_record_labels_but_common_words_are_not():
    assert bare_code_labels("What does GA mean, and is XS ok?", []) == ["GA", "XS"]
    assert bare_code_labels("IT said OR maybe NO", []) == []
    assert bare_code_labels("lower ga is not a label", []) == []
    assert bare_code_labels("modifier 59 and XS", ["XS"]) == []
    assert bare_code_labels("an ICD-10-CM code for ME/CFS", []) == []


def test_asked_code_records_lead_without_duplicates_and_take_the_top_score():
    hits = [stored("a", "Chapter I", 0.9), stored("ga", "GA", 0.2)]
    ordered = code_records_first([stored("ga", "GA", 0.0)], hits)
    assert [c.meta.chunk_id for c in ordered] == ["ga", "a"]
    assert ordered[0].score == 0.9


def test_without_asked_codes_the_fused_order_stands():
    hits = [stored("a", "x", 0.5), stored("b", "y", 0.4)]
    assert code_records_first([], hits) == hits


def test_definition_hit_joins_after_the_best_hit_scored_as_the_hit_it_precedes():
    hits = [stored("a", "x", 0.9), stored("b", "y", 0.5)]
    ordered = with_definition(hits, [stored("a", "x", 0.8), stored("def", "§ 160.103", 0.7)])
    assert [c.meta.chunk_id for c in ordered] == ["a", "def", "b"]
    assert ordered[1].score == 0.5


def test_definition_hits_already_found_change_nothing():
    hits = [stored("a", "x", 0.9), stored("b", "y", 0.5)]
    assert with_definition(hits, [stored("b", "y", 0.8)]) == hits


def test_a_definition_hit_found_below_the_shown_hits_moves_up_after_the_best_hit():
    hits = [stored("a", "x", 0.9), stored("b", "y", 0.5), stored("c", "z", 0.4), stored("def", "§ 164.402", 0.3)]
    ordered = with_definition(hits, [stored("def", "§ 164.402", 0.8)])
    assert [c.meta.chunk_id for c in ordered] == ["a", "def", "b", "c"]


def test_the_best_definition_hit_moves_up_even_when_the_search_already_showed_it_lower_down():
    hits = [stored("a", "x", 0.9), stored("b", "y", 0.5), stored("c", "z", 0.4), stored("def", "§ 160.103", 0.3)]
    ordered = with_definition(hits, [stored("def", "§ 160.103", 0.8), stored("b", "y", 0.7)])
    assert [c.meta.chunk_id for c in ordered] == ["a", "def", "b", "c"]


def test_a_sentence_cut_at_the_passage_end_is_completed_from_the_next_chunk_up_to_its_first_sentence_end():
    window = ["(2) Retention period. A covered entity must retain the documentation"]
    after = "required by paragraph (j)(1) for six years, whichever is later.\n\n(k) Group health plans. More text."
    assert whole_sentences(window, None, after) == [
        window[0], "required by paragraph (j)(1) for six years, whichever is later."
    ]


def test_a_sentence_cut_at_the_passage_start_is_completed_from_the_previous_chunk_back_to_its_start():
    window = ["issuer or HMO with respect to a group health plan) to the plan sponsor."]
    before = "(a) Standard. Unrelated rule. A group health plan may disclose information, or"
    assert whole_sentences(window, before, None) == ["A group health plan may disclose information, or", window[0]]


def test_passages_that_open_and_close_on_sentence_boundaries_take_nothing_from_their_neighbours():
    window = ["A covered entity must act within 30 days."]
    assert whole_sentences(window, "An earlier rule ends here.", "(b) The next paragraph starts.") == window
    assert whole_sentences(window, "no full stop here", "later text in lower case") == window


def test_a_cut_sentence_whose_rest_is_too_long_to_carry_is_left_cut():
    window = ["The manual says that"]
    after = "word " * (MAX_CARRIED_CHARS // 5 + 1) + "end."
    assert whole_sentences(window, None, after) == window
