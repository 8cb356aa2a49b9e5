"""`kb eval`: quality on the dev set, with optional floors that fail the command (used by CI)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.services import Services

if TYPE_CHECKING:
    from evaluation.dataset import DevQuestion

QUESTIONS = click.option(
    "--questions",
    "questions_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A question set in the dev-set schema (default: evaluation/dev_set.yaml), e.g. evaluation/independent_set_b.yaml.",
)


def _questions(path: Path | None) -> list[DevQuestion]:
    from evaluation.dataset import load_dev_set

    return load_dev_set(path) if path else load_dev_set()


@click.group("eval")
def evaluate() -> None:
    """Measure retrieval and answer quality on the dev set."""


@evaluate.command("retrieval")
@click.option("--min-recall-at-5", type=float, default=None, help="Exit 1 when recall@5 falls below this.")
@click.option("--json", "as_json", is_flag=True)
@QUESTIONS
def retrieval(min_recall_at_5: float | None, as_json: bool, questions_path: Path | None) -> None:
    """Recall@1/5/10 and MRR, overall and per question type."""
    from evaluation.retrieval_eval import format_retrieval_report, run_retrieval_eval

    report = run_retrieval_eval(Services().retriever, _questions(questions_path))
    click.echo(report.model_dump_json(indent=1) if as_json else format_retrieval_report(report))
    if min_recall_at_5 is not None and report.overall.recall_at_5 < min_recall_at_5:
        click.echo(f"FAIL: recall@5 {report.overall.recall_at_5:.3f} < floor {min_recall_at_5:.3f}", err=True)
        sys.exit(1)


@evaluate.command("answers")
@click.option("--min-correct", type=float, default=None, help="Exit 1 when the share of answerable questions answered correctly with a gold citation falls below this.")
@click.option("--min-citation-precision", type=float, default=None, help="Exit 1 below this citation precision.")
@click.option("--min-citation-recall", type=float, default=None, help="Exit 1 below this citation recall.")
@click.option("--min-refusal-accuracy", type=float, default=None, help="Exit 1 when fewer near-miss/unanswerable questions are refused.")
@click.option("--min-injection-pass", type=float, default=None, help="Exit 1 below this injection pass rate.")
@click.option("--max-false-refusals", type=int, default=None, help="Exit 1 when more answerable questions are refused.")
@click.option("--max-invented-numbers", type=int, default=None, help="Exit 1 when answers hold more invented numbers (CI: 0).")
@click.option("--json", "as_json", is_flag=True)
@QUESTIONS
def answers(
    min_correct: float | None,
    min_citation_precision: float | None,
    min_citation_recall: float | None,
    min_refusal_accuracy: float | None,
    min_injection_pass: float | None,
    max_false_refusals: int | None,
    max_invented_numbers: int | None,
    as_json: bool,
    questions_path: Path | None,
) -> None:
    """Grounded-answer metrics: correctness with gold citation, citation precision/recall, refusals,
    injections, invented numbers."""
    from evaluation.answer_eval import AnswerFloors, floor_failures, format_answer_report, run_answer_eval

    floors = AnswerFloors(
        min_correct_rate=min_correct,
        min_citation_precision=min_citation_precision,
        min_citation_recall=min_citation_recall,
        min_refusal_accuracy=min_refusal_accuracy,
        min_injection_pass_rate=min_injection_pass,
        max_false_refusals=max_false_refusals,
        max_invented_numbers=max_invented_numbers,
    )
    report = run_answer_eval(Services(), _questions(questions_path))
    click.echo(report.model_dump_json(indent=1) if as_json else format_answer_report(report))
    failures = floor_failures(report, floors)
    for failure in failures:
        click.echo(f"FAIL: {failure}", err=True)
    if failures:
        sys.exit(1)


COMMANDS: list[click.Command] = [evaluate]
