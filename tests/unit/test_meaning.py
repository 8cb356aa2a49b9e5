"""Sentences are ranked by words first; the head of that ranking is then reordered by closeness in meaning
to the question, and only that head is embedded."""

from __future__ import annotations

import numpy as np

from answering.evidence import MEANING_CANDIDATES, rank_sentences, rerank_by_meaning
from answering.extractive import ExtractiveBackend
from answering.meaning import EMBEDDED_WORDS, SentenceSimilarity
from answering.question import analyse_question
from tests.unit.answering_passages import passage

PENALTY_TEXT = (
    "Drug coverage is offered by Medicare drug plans and by Medicare Advantage plans with drug coverage. "
    "You may pay a late enrollment penalty if you go 63 or more days in a row without creditable coverage. "
    "Drug plans publish their coverage rules every year."
)
PENALTY = passage("enrol-10-a", PENALTY_TEXT, "cms_medicare_enrollment/enrollment-periods.pdf", page=10)
QUESTION = "What happens if someone goes without drug coverage for a while?"


def closeness_by_keyword(keyword: str, calls: list[list[str]] | None = None):
    def similarity(requests):
        if calls is not None:
            calls.extend(list(sentences) for _, sentences in requests)
        return [[1.0 if keyword in s else 0.0 for s in sentences] for _, sentences in requests]

    return similarity


def rerank(question, by_words, similarity):
    return rerank_by_meaning([question], [by_words], similarity)[0]


def test_sentence_closest_in_meaning_moves_ahead_of_ones_that_share_more_words():
    question = analyse_question(QUESTION)
    by_words = rank_sentences(question, [PENALTY])
    assert "63 or more days" in by_words[-1].text
    reranked = rerank(question, by_words, closeness_by_keyword("63 or more days"))
    assert "63 or more days" in reranked[0].text


def test_without_a_closeness_signal_the_word_order_stands():
    question = analyse_question(QUESTION)
    by_words = rank_sentences(question, [PENALTY])
    unchanged = rerank(question, by_words, closeness_by_keyword("no sentence says this"))
    assert [s.text for s in unchanged] == [s.text for s in by_words]


def test_only_the_head_of_the_word_ranking_is_sent_for_embedding():
    many = passage("long-1", " ".join(f"Drug coverage rule number {i} applies to plans." for i in range(30)), page=1)
    question = analyse_question(QUESTION)
    by_words = rank_sentences(question, [many])
    calls: list[list[str]] = []
    reranked = rerank(question, by_words, closeness_by_keyword("none", calls))
    assert len(calls) == 1 and len(calls[0]) == MEANING_CANDIDATES < len(by_words)
    assert len(reranked) == len(by_words)


def test_sentences_too_far_below_the_best_to_overtake_it_are_not_embedded():
    question = analyse_question(QUESTION)
    by_words = rank_sentences(question, [PENALTY])
    calls: list[list[str]] = []
    rerank_by_meaning([question], [by_words], closeness_by_keyword("none", calls), weight=0.1)
    assert by_words[2].score < by_words[0].score - 0.1 <= by_words[1].score
    assert calls == [[by_words[0].text, by_words[1].text]]


def test_a_question_and_its_parts_are_reranked_in_one_call():
    question = analyse_question("What happens without drug coverage, and what do drug plans publish?")
    assert len(question.parts) == 2
    calls = 0

    def similarity(requests):
        nonlocal calls
        calls += 1
        return [[0.0] * len(sentences) for _, sentences in requests]

    asked = [*question.parts, question]
    rankings = rerank_by_meaning(asked, [rank_sentences(q, [PENALTY]) for q in asked], similarity)
    assert calls == 1 and len(rankings) == 3


def test_extractive_backend_with_meaning_quotes_the_answering_sentence_first():
    question = analyse_question(QUESTION)
    assert "63 or more days" not in ExtractiveBackend().draft(question, [PENALTY]).claims[0].quote
    draft = ExtractiveBackend(closeness_by_keyword("63 or more days")).draft(question, [PENALTY])
    assert "63 or more days" in draft.claims[0].quote


class CountingEmbedder:
    """Unit vectors from a hash of the text; remembers what it was asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        vectors = np.array([np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8) for t in texts])
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_similarity_is_cosine_and_a_sentence_is_embedded_once():
    embedder = CountingEmbedder()
    similarity = SentenceSimilarity(embedder)
    [first] = similarity([("q", ["q", "other sentence"])])
    assert abs(first[0] - 1.0) < 1e-5 and -1.0 <= first[1] < 0.999
    count = len(embedder.embedded)
    assert similarity([("q", ["other sentence"])]) == [[first[1]]]
    assert len(embedder.embedded) == count


def test_many_questions_are_embedded_in_one_batch():
    embedder = CountingEmbedder()
    calls = []
    inner = embedder.embed
    embedder.embed = lambda texts: calls.append(texts) or inner(texts)  # type: ignore[method-assign]
    closeness = SentenceSimilarity(embedder)([("q1", ["a", "b"]), ("q2", ["b", "c"]), ("q3", [])])
    assert [len(c) for c in closeness] == [2, 2, 0]
    assert len(calls) == 1 and sorted(calls[0]) == ["a", "b", "c", "q1", "q2"]


def test_only_the_opening_words_of_a_long_sentence_are_embedded():
    embedder = CountingEmbedder()
    SentenceSimilarity(embedder)([("q", [" ".join(f"w{i}" for i in range(200))])])
    assert max(len(text.split()) for text in embedder.embedded) == EMBEDDED_WORDS


def test_a_leading_cross_reference_is_not_what_a_sentence_is_about():
    embedder = CountingEmbedder()
    sentence = "(i) Except as provided in paragraph (b)(2)(ii) of this section, the covered entity must act on a request."
    SentenceSimilarity(embedder)([("q", [sentence])])
    assert "the covered entity must act on a request." in embedder.embedded
    assert not any("Except" in text for text in embedder.embedded)


def test_cache_forgets_the_least_recently_used_sentence_beyond_its_capacity():
    embedder = CountingEmbedder()
    similarity = SentenceSimilarity(embedder, cached_sentences=3)
    similarity([("q", ["a", "b"])])
    similarity([("q", ["c"])])  # 'a' is now the oldest of q, a, b, c
    embedder.embedded.clear()
    similarity([("q", ["a"])])
    assert embedder.embedded == ["a"]


def far_in_meaning(requests):
    return [[0.05 for _ in sentences] for _, sentences in requests]


RENTAL = passage(
    "physician-15-a",
    "The aggregate rental charge is set in advance, is consistent with fair market value in arms-length transactions "
    "and is not determined in a manner that takes into account the volume or value of any referrals.",
    "hhs_oig/physician.pdf",
    page=15,
)


def test_an_answer_no_sentence_of_which_is_near_the_question_in_meaning_is_a_refusal():
    question = analyse_question("Where can I park my car during my rental of the office?")
    assert ExtractiveBackend().draft(question, [RENTAL]).claims  # words alone pick the rental sentence
    assert ExtractiveBackend(far_in_meaning).draft(question, [RENTAL]).status == "insufficient"


def test_a_question_naming_a_code_is_answered_by_its_record_however_unlike_the_question_it_reads():
    record = passage(
        "hcpcs-g0008", "HCPC/MOD: G0008 | ACTION CD: No Change | SHORT DESCRIPTION: Admin influenza virus vac | "
        "LONG DESCRIPTION: Administration of influenza virus vaccine", "cms_hcpcs/HCPCS_2020.csv",
    )
    question = analyse_question("What is G0008?")
    assert ExtractiveBackend(far_in_meaning).draft(question, [record]).claims
