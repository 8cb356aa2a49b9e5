"""CI floors on the dev set, set just under the figures measured when they were last raised, so that
quality cannot silently regress. Raise them when the method improves; never lower them to pass."""

from __future__ import annotations

from evaluation.answer_eval import AnswerFloors, floor_failures, run_answer_eval
from evaluation.dataset import load_dev_set
from evaluation.retrieval_eval import run_retrieval_eval

RETRIEVAL_RECALL_AT_5_FLOOR = 0.89  # measured 0.906 on 2026-12-03 afternoon (0.849 that morning)
RETRIEVAL_MRR_FLOOR = 0.68  # measured 0.699 (0.640 that morning)
CODE_LOOKUP_RECALL_AT_5_FLOOR = 0.92  # measured 0.929 (13 of 14)


def test_retrieval_quality_stays_above_the_dev_set_floors(services):
    report = run_retrieval_eval(services.retriever, load_dev_set())
    assert report.overall.recall_at_5 >= RETRIEVAL_RECALL_AT_5_FLOOR, report.overall
    assert report.overall.mrr >= RETRIEVAL_MRR_FLOOR, report.overall
    assert report.by_type["code_lookup"].recall_at_5 >= CODE_LOOKUP_RECALL_AT_5_FLOOR, report.by_type["code_lookup"]


# Measured 2026-12-03 afternoon with the extractive backend: correct 0.745 (79/106), citation precision 0.690,
# recall 0.810, refusal accuracy 1.0 (28/28), injections 10/11, false refusals 4, invented numbers 0.
# The previous floors (correct 0.72, precision 0.66, recall 0.78, false refusals 6) held 77/106 on 2026-12-02.
ANSWER_FLOORS = AnswerFloors(
    min_correct_rate=0.73,
    min_citation_precision=0.68,
    min_citation_recall=0.79,
    min_refusal_accuracy=0.96,
    min_injection_pass_rate=0.9,
    max_false_refusals=5,
    max_invented_numbers=0,
)


def test_answer_quality_stays_above_the_dev_set_floors_and_invents_no_number(services):
    report = run_answer_eval(services, load_dev_set())
    assert floor_failures(report, ANSWER_FLOORS) == []
