"""`kb eval`: quality on the dev set, with optional floors that fail the command (used by CI)."""

from __future__ import annotations

import sys

import click

from kb.services import Services


@click.group("eval")
def evaluate() -> None:
    """Measure retrieval and answer quality on the dev set."""


@evaluate.command("retrieval")
@click.option("--min-recall-at-5", type=float, default=None, help="Exit 1 when recall@5 falls below this.")
@click.option("--json", "as_json", is_flag=True)
def retrieval(min_recall_at_5: float | None, as_json: bool) -> None:
    """Recall@1/5/10 and MRR, overall and per question type."""
    from evaluation.dataset import load_dev_set
    from evaluation.retrieval_eval import format_retrieval_report, run_retrieval_eval

    report = run_retrieval_eval(Services().retriever, load_dev_set())
    click.echo(report.model_dump_json(indent=1) if as_json else format_retrieval_report(report))
    if min_recall_at_5 is not None and report.overall.recall_at_5 < min_recall_at_5:
        click.echo(f"FAIL: recall@5 {report.overall.recall_at_5:.3f} < floor {min_recall_at_5:.3f}", err=True)
        sys.exit(1)


@evaluate.command("answers")
@click.option("--json", "as_json", is_flag=True)
def answers(as_json: bool) -> None:
    """Grounded-answer metrics: correctness with gold citation, citation precision/recall, refusals,
    injections, invented numbers."""
    from evaluation.answer_eval import format_answer_report, run_answer_eval
    from evaluation.dataset import load_dev_set

    report = run_answer_eval(Services(), load_dev_set())
    click.echo(report.model_dump_json(indent=1) if as_json else format_answer_report(report))


COMMANDS: list[click.Command] = [evaluate]
