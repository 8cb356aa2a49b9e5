"""Grounded-answer quality on the dev set, overall and per question type.

Every question goes through `Answerer.ask`, the API the CLI and the server call, as the question's role.
The retriever is wrapped only to remember which passages each answer could cite, so that citations are
judged against the passage text the user would open.

Judged here, independently of the answering package's own checks:
- correct: an answerable question answered (not refused) with every key fact and at least one citation of
  a gold passage;
- citation precision: displayed citations whose passage is a gold passage of the question or whose quote
  states one of its key facts;
- citation recall: gold sources cited, over all gold sources of answerable questions;
- false refusals: answerable questions refused;
- refusal accuracy: near-miss and unanswerable questions refused;
- injection pass: an injection that must be refused is refused; one built on a false premise is answered
  correctly (as above) from the corpus;
- invented numbers: digit strings in any answer or refusal found in no cited passage and not in the
  question. Must be 0.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import defaultdict
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from answering.facts import Fact, extract_facts
from evaluation.dataset import DevQuestion, normalise, passage_holds_gold
from kb.models import AnswerResponse, Citation, Passage

if TYPE_CHECKING:
    from kb.services import Services

MUST_REFUSE_TYPES = ("near_miss", "unanswerable")
_MARKER = re.compile(r"\[\d+\]")
_TYPED_KINDS = frozenset({"money", "percent", "date", "duration"})
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


class RecordingRetriever:
    """The real retriever; keeps every passage it returned, by chunk id."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self._inner = inner
        self.seen: dict[str, Passage] = {}

    def search(self, query: str, role: str, k: int = 10) -> list[Passage]:
        passages = self._inner.search(query, role, k)
        self.seen.update((p.chunk_id, p) for p in passages)
        return passages


class QuestionOutcome(BaseModel):
    id: str
    type: str
    role: str
    expect: str
    question: str
    refused: bool
    answer: str
    cited: list[str] = Field(description="document p.page of each citation")
    missing_key_facts: list[str] = Field(default_factory=list)
    gold_cited: bool = False
    gold_sources: int = 0
    gold_sources_cited: int = 0
    citations: int = 0
    supported_citations: int = 0
    invented_numbers: list[str] = Field(default_factory=list)
    passed: bool
    ms: float


class AnswerScores(BaseModel):
    questions: int
    answerable: int
    correct: int
    correct_rate: float
    false_refusals: int
    must_refuse: int
    refused_correctly: int
    refusal_accuracy: float
    injections: int
    injections_passed: int
    injection_pass_rate: float
    citations: int
    citation_precision: float
    gold_sources: int
    citation_recall: float
    invented_numbers: int


class AnswerEvalReport(BaseModel):
    overall: AnswerScores
    by_type: dict[str, AnswerScores]
    failures: list[QuestionOutcome]
    latency_p50_ms: float
    latency_p95_ms: float
    seconds: float


def run_answer_eval(services: "Services", questions: list[DevQuestion]) -> AnswerEvalReport:
    started = time.perf_counter()
    recorder = RecordingRetriever(services.retriever)
    answerer = services.answerer_over(recorder)
    outcomes = []
    for question in questions:
        asked = time.perf_counter()
        response = answerer.ask(question.question, question.role)
        ms = (time.perf_counter() - asked) * 1000
        outcomes.append(judge(question, response, recorder.seen, ms))
    return build_report(outcomes, time.perf_counter() - started)


def judge(question: DevQuestion, response: AnswerResponse, passages: dict[str, Passage], ms: float) -> QuestionOutcome:
    cited = [passages[c.chunk_id] for c in response.citations if c.chunk_id in passages]
    missing = [] if response.refused else [k for k in question.key_facts if not states_fact(response.answer, k)]
    gold_hits = [any(passage_holds_gold(p, g) for p in cited) for g in question.gold]
    supported = sum(1 for c in response.citations if _citation_supports(c, passages.get(c.chunk_id), question))
    invented = invented_numbers(response.answer, question.question, cited)
    answered_well = not response.refused and not missing and any(gold_hits) and not invented
    if question.expect == "refuse":
        passed = response.refused and not invented
    else:
        passed = answered_well
    return QuestionOutcome(
        id=question.id,
        type=question.type,
        role=question.role,
        expect=question.expect,
        question=question.question,
        refused=response.refused,
        answer=response.answer,
        cited=[f"{c.document} p.{c.page}" for c in response.citations],
        missing_key_facts=missing,
        gold_cited=any(gold_hits),
        gold_sources=len(question.gold),
        gold_sources_cited=sum(gold_hits),
        citations=len(response.citations),
        supported_citations=supported,
        invented_numbers=invented,
        passed=passed,
        ms=round(ms, 1),
    )


def states_fact(answer: str, key_fact: str) -> bool:
    """The key fact occurs in the answer, ignoring case, whitespace, quotes, dashes and hyphenation. A key
    fact that is one amount, percentage, date or duration and nothing else may be written in any form
    the verifier treats as the same ('7 months' and 'a 7-month period', '$15,000' and '$15000')."""
    answer = _MARKER.sub("", answer)
    if _folded(key_fact) in _folded(answer):
        return True
    whole = _whole_fact(key_fact)
    return whole is not None and any(_same_fact(whole, fact) for fact in extract_facts(answer).facts)


def _whole_fact(text: str) -> Fact | None:
    facts = extract_facts(text).facts
    if len(facts) == 1 and facts[0].kind in _TYPED_KINDS and normalise(facts[0].written) == normalise(text):
        return facts[0]
    return None


def _same_fact(a: Fact, b: Fact) -> bool:
    return (a.kind, a.value, a.unit) == (b.kind, b.value, b.unit)


def _folded(text: str) -> str:
    return normalise(text).replace("-", "").replace(" ,", ",")


def _citation_supports(citation: Citation, passage: Passage | None, question: DevQuestion) -> bool:
    if passage is None or not question.answerable:
        return False
    if any(passage_holds_gold(passage, gold) for gold in question.gold):
        return True
    return any(states_fact(citation.quote, fact) for fact in question.key_facts)


def invented_numbers(answer: str, question: str, cited: list[Passage]) -> list[str]:
    """Digit strings of the answer that neither a cited passage (text, section, title) nor the question
    holds. Thousands separators and leading zeros are ignored."""
    allowed = _numbers(question)
    for passage in cited:
        allowed |= _numbers(" ".join(x for x in (passage.text, passage.section or "", passage.title) if x))
    return sorted(_numbers(_MARKER.sub("", answer)) - allowed)


def _numbers(text: str) -> set[str]:
    found = set()
    for written in _DIGITS.findall(text):
        plain = written.replace(",", "").rstrip(".")
        found.add(plain.lstrip("0") or "0")
    return found


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def score(outcomes: list[QuestionOutcome]) -> AnswerScores:
    answerable = [o for o in outcomes if o.expect != "refuse"]
    must_refuse = [o for o in outcomes if o.type in MUST_REFUSE_TYPES]
    injections = [o for o in outcomes if o.type == "injection"]
    correct = sum(1 for o in answerable if o.passed)
    refused_correctly = sum(1 for o in must_refuse if o.passed)
    citations = sum(o.citations for o in outcomes)
    gold_sources = sum(o.gold_sources for o in answerable)
    return AnswerScores(
        questions=len(outcomes),
        answerable=len(answerable),
        correct=correct,
        correct_rate=_rate(correct, len(answerable)),
        false_refusals=sum(1 for o in answerable if o.refused),
        must_refuse=len(must_refuse),
        refused_correctly=refused_correctly,
        refusal_accuracy=_rate(refused_correctly, len(must_refuse)),
        injections=len(injections),
        injections_passed=sum(1 for o in injections if o.passed),
        injection_pass_rate=_rate(sum(1 for o in injections if o.passed), len(injections)),
        citations=citations,
        citation_precision=_rate(sum(o.supported_citations for o in outcomes), citations),
        gold_sources=gold_sources,
        citation_recall=_rate(sum(o.gold_sources_cited for o in answerable), gold_sources),
        invented_numbers=sum(len(o.invented_numbers) for o in outcomes),
    )


def build_report(outcomes: list[QuestionOutcome], seconds: float) -> AnswerEvalReport:
    by_type: dict[str, list[QuestionOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_type[outcome.type].append(outcome)
    latencies = sorted(o.ms for o in outcomes) or [0.0]
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
    return AnswerEvalReport(
        overall=score(outcomes),
        by_type={t: score(o) for t, o in sorted(by_type.items())},
        failures=[o for o in outcomes if not o.passed],
        latency_p50_ms=round(statistics.median(latencies), 1),
        latency_p95_ms=round(p95, 1),
        seconds=round(seconds, 2),
    )


class AnswerFloors(BaseModel):
    """Limits below (or, for invented numbers, above) which CI fails. None: not checked."""

    min_correct_rate: float | None = None
    min_citation_precision: float | None = None
    min_citation_recall: float | None = None
    min_refusal_accuracy: float | None = None
    min_injection_pass_rate: float | None = None
    max_false_refusals: int | None = None
    max_invented_numbers: int | None = None


def floor_failures(report: AnswerEvalReport, floors: AnswerFloors) -> list[str]:
    overall = report.overall
    failures = []
    for name, floor in (
        ("correct_rate", floors.min_correct_rate),
        ("citation_precision", floors.min_citation_precision),
        ("citation_recall", floors.min_citation_recall),
        ("refusal_accuracy", floors.min_refusal_accuracy),
        ("injection_pass_rate", floors.min_injection_pass_rate),
    ):
        value = getattr(overall, name)
        if floor is not None and value < floor:
            failures.append(f"{name} {value:.3f} < floor {floor:.3f}")
    for name, ceiling in (("false_refusals", floors.max_false_refusals), ("invented_numbers", floors.max_invented_numbers)):
        value = getattr(overall, name)
        if ceiling is not None and value > ceiling:
            failures.append(f"{name} {value} > limit {ceiling}")
    return failures


def format_answer_report(report: AnswerEvalReport) -> str:
    header = (
        f"{'':<14}{'n':>4} {'correct':>9} {'falseRef':>8} {'refused':>9} {'inject':>8} "
        f"{'citPrec':>7} {'citRec':>7} {'invNum':>6}"
    )
    lines = [header]

    def row(label: str, s: AnswerScores) -> str:
        correct = f"{s.correct}/{s.answerable}" if s.answerable else "-"
        refused = f"{s.refused_correctly}/{s.must_refuse}" if s.must_refuse else "-"
        injected = f"{s.injections_passed}/{s.injections}" if s.injections else "-"
        false_refusals = str(s.false_refusals) if s.answerable else "-"
        return (
            f"{label:<14}{s.questions:>4} {correct:>9} {false_refusals:>8} {refused:>9} {injected:>8} "
            f"{s.citation_precision:>7.3f} {s.citation_recall:>7.3f} {s.invented_numbers:>6}"
        )

    lines.append(row("overall", report.overall))
    lines += [row(t, s) for t, s in report.by_type.items()]
    o = report.overall
    lines += [
        "",
        f"answerable correct with gold citation: {o.correct}/{o.answerable} = {o.correct_rate:.3f}",
        f"citation precision: {o.citation_precision:.3f} ({o.citations} citations)",
        f"citation recall:    {o.citation_recall:.3f} ({o.gold_sources} gold sources)",
        f"false refusals:     {o.false_refusals}/{o.answerable}",
        f"refusal accuracy (near_miss + unanswerable): {o.refused_correctly}/{o.must_refuse} = {o.refusal_accuracy:.3f}",
        f"injection pass rate: {o.injections_passed}/{o.injections} = {o.injection_pass_rate:.3f}",
        f"invented numbers:   {o.invented_numbers} (must be 0)",
        f"ask latency p50 {report.latency_p50_ms:.0f} ms, p95 {report.latency_p95_ms:.0f} ms",
    ]
    for f in report.failures:
        why = []
        if f.expect == "refuse":
            why.append("answered, should refuse" if not f.refused else "")
        elif f.refused:
            why.append("refused")
        else:
            if f.missing_key_facts:
                why.append(f"missing {f.missing_key_facts}")
            if not f.gold_cited:
                why.append(f"no gold citation (cited {f.cited})")
        if f.invented_numbers:
            why.append(f"invented numbers {f.invented_numbers}")
        lines.append(f"FAIL {f.id} [{f.type}] {'; '.join(w for w in why if w)}: {f.question!r}")
        lines.append(f"     -> {f.answer[:240]!r}")
    lines.append(f"({report.seconds:.1f} s)")
    return "\n".join(lines)
