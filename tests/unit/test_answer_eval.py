"""The answer eval's own judgements, kept independent of the answering package: key facts, invented
numbers, floors."""

from __future__ import annotations

from evaluation.answer_eval import AnswerFloors, build_report, floor_failures, invented_numbers, judge, states_fact
from evaluation.dataset import DevQuestion, GoldSource
from kb.models import AnswerResponse, Citation
from tests.unit.answering_passages import ACCESS, RETENTION

QUESTION = DevQuestion(
    id="t-1", role="front_desk", type="numeric", question="How long do we have to act on a request for access?",
    answerable=True, gold=[GoldSource(document=ACCESS.document, pages=[106])], key_facts=["30 days"],
)


def _answer(text: str, passage=ACCESS, refused: bool = False) -> AnswerResponse:
    citations = [] if refused else [
        Citation(marker=1, document=passage.document, page=passage.page, section=passage.section,
                 quote="no later than 30 days", collection=passage.collection, chunk_id=passage.chunk_id)
    ]
    return AnswerResponse(answer=text, refused=refused, citations=citations)


def test_key_facts_match_ignoring_case_hyphenation_and_markers():
    assert states_fact("It must act no later than 30 Days [1].", "30 days")
    assert states_fact("a reasonable, cost- based fee", "reasonable, cost-based fee")
    assert not states_fact("no later than 60 days", "30 days")


def test_a_key_fact_that_is_one_amount_or_duration_matches_any_form_of_it_but_a_phrase_does_not():
    assert states_fact("during the 7-month period that includes [1]", "7 months")
    assert states_fact("retained for 6 years [1].", "six years")
    assert states_fact("up to $15000 per service", "$15,000")
    assert not states_fact("a 7-day period", "7 months")
    assert not states_fact("for 5 years", "minimum of 5 years")  # the qualifier is part of the fact


def test_a_number_in_no_cited_passage_and_not_in_the_question_is_invented():
    assert invented_numbers("Act within 30 days [1].", "How long?", [ACCESS]) == []
    assert invented_numbers("Act within 47 days [1].", "How long?", [ACCESS]) == ["47"]
    assert invented_numbers("They do not mention 2026.", "What is the 2026 premium?", []) == []


def test_an_answer_with_the_key_fact_and_a_gold_citation_passes():
    outcome = judge(QUESTION, _answer("The covered entity must act no later than 30 days [1]."), {ACCESS.chunk_id: ACCESS}, 5.0)
    assert outcome.passed and outcome.gold_cited and outcome.supported_citations == 1


def test_a_citation_of_a_non_gold_passage_fails_even_with_the_key_fact():
    outcome = judge(QUESTION, _answer("Within 30 days [1].", passage=RETENTION), {RETENTION.chunk_id: RETENTION}, 5.0)
    assert not outcome.passed and not outcome.gold_cited


def test_floors_fail_on_low_scores_and_on_any_invented_number():
    invented = judge(QUESTION, _answer("Within 47 days [1]."), {ACCESS.chunk_id: ACCESS}, 5.0)
    report = build_report([invented], 1.0)
    failures = floor_failures(report, AnswerFloors(min_correct_rate=0.9, max_invented_numbers=0))
    assert any(f.startswith("correct_rate") for f in failures)
    assert any(f.startswith("invented_numbers 1") for f in failures)
    assert floor_failures(report, AnswerFloors()) == []
