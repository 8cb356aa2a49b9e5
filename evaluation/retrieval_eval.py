"""Retrieval quality on the dev set: recall@1/5/10 and MRR, overall and per question type."""

from __future__ import annotations

import time
from collections import defaultdict

from pydantic import BaseModel

from evaluation.dataset import DevQuestion, passage_holds_gold
from kb.models import Passage
from retrieval.search import Retriever

CUTOFFS = (1, 5, 10)


class RetrievalScores(BaseModel):
    questions: int
    recall_at_1: float
    recall_at_5: float
    recall_at_10: float
    mrr: float


class RetrievalMiss(BaseModel):
    id: str
    question: str
    gold: list[str]
    got: list[str]


class RetrievalEvalReport(BaseModel):
    overall: RetrievalScores
    by_type: dict[str, RetrievalScores]
    by_role: dict[str, RetrievalScores]
    misses_at_5: list[RetrievalMiss]
    seconds: float


def first_gold_rank(passages: list[Passage], question: DevQuestion) -> int | None:
    """1-based rank of the first passage holding any gold source; for multi-document questions every gold
    document must appear, and the rank is where the last of them first appears."""
    ranks = []
    for gold in question.gold:
        rank = next((i for i, p in enumerate(passages, 1) if passage_holds_gold(p, gold)), None)
        if rank is None:
            return None
        ranks.append(rank)
    return max(ranks) if question.type == "multi_doc" else min(ranks)


def _scores(ranks: list[int | None]) -> RetrievalScores:
    n = len(ranks) or 1

    def recall(k: int) -> float:
        return round(sum(1 for r in ranks if r is not None and r <= k) / n, 4)

    return RetrievalScores(
        questions=len(ranks),
        recall_at_1=recall(1),
        recall_at_5=recall(5),
        recall_at_10=recall(10),
        mrr=round(sum(1 / r for r in ranks if r is not None) / n, 4),
    )


def run_retrieval_eval(retriever: Retriever, questions: list[DevQuestion]) -> RetrievalEvalReport:
    started = time.perf_counter()
    ranked: list[tuple[DevQuestion, int | None, list[Passage]]] = []
    for question in questions:
        if not question.gold:
            continue
        passages = retriever.search(question.question, question.role, k=max(CUTOFFS))
        ranked.append((question, first_gold_rank(passages, question), passages))

    by_type: dict[str, list[int | None]] = defaultdict(list)
    by_role: dict[str, list[int | None]] = defaultdict(list)
    for question, rank, _ in ranked:
        by_type[question.type].append(rank)
        by_role[question.role].append(rank)
    misses = [
        RetrievalMiss(
            id=q.id,
            question=q.question,
            gold=[f"{g.document} p{g.pages or ''}" for g in q.gold],
            got=[f"{p.document} p{p.page} {p.section or ''}" for p in passages[:5]],
        )
        for q, rank, passages in ranked
        if rank is None or rank > 5
    ]
    return RetrievalEvalReport(
        overall=_scores([rank for _, rank, _ in ranked]),
        by_type={t: _scores(r) for t, r in sorted(by_type.items())},
        by_role={t: _scores(r) for t, r in sorted(by_role.items())},
        misses_at_5=misses,
        seconds=round(time.perf_counter() - started, 2),
    )


def format_retrieval_report(report: RetrievalEvalReport) -> str:
    lines = [f"{'':<14}{'n':>4} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6}"]

    def row(label: str, s: RetrievalScores) -> str:
        return f"{label:<14}{s.questions:>4} {s.recall_at_1:>6.3f} {s.recall_at_5:>6.3f} {s.recall_at_10:>6.3f} {s.mrr:>6.3f}"

    lines.append(row("overall", report.overall))
    lines += [row(t, s) for t, s in report.by_type.items()]
    lines += [row(r, s) for r, s in report.by_role.items()]
    for miss in report.misses_at_5:
        lines.append(f"miss@5 {miss.id}: {miss.question!r} gold={miss.gold} got={miss.got[:3]}")
    lines.append(f"({report.seconds:.1f} s)")
    return "\n".join(lines)
