"""The one verifier, used by both answer backends. Code, not the model, decides what is shown.

A draft claim survives only when:
- it cites at least one retrieved passage, and every passage it cites was retrieved;
- its quote occurs in a cited passage (after normalising whitespace, quotes, dashes, hyphenation,
  ligatures and case);
- every money amount, percentage, date, duration, number and code in its text occurs, in the same
  normal form, in the passages that hold the quote;
- most of its content words occur in those passages.

Anything else is dropped and counted, with a reason. When unsure, drop.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from answering.facts import Fact, Facts, extract_facts
from answering.text import content_terms, display_form, match_form
from kb.models import Passage

MIN_QUOTE_WORDS = 3
MIN_CLAIM_TERM_SUPPORT = 0.6

DropReason = Literal[
    "empty_claim",
    "no_citation",
    "unknown_passage",
    "quote_too_short",
    "quote_not_in_cited_passage",
    "unsupported_money",
    "unsupported_percent",
    "unsupported_date",
    "unsupported_duration",
    "unsupported_number",
    "unsupported_code",
    "unsupported_wording",
]


class DraftClaim(BaseModel):
    """What a backend proposes: a sentence of the answer, the passages it rests on, a verbatim quote."""

    text: str
    passage_ids: list[str] = Field(default_factory=list, description="chunk_id of each cited passage")
    quote: str = ""


class VerifiedClaim(BaseModel):
    text: str
    quote: str = Field(description="The quote as shown: cleaned, on one line.")
    passages: list[Passage] = Field(description="The cited passages that hold the quote, in citation order.")


class DroppedClaim(BaseModel):
    claim: DraftClaim
    reason: DropReason
    detail: str = ""


class Verification(BaseModel):
    verified: list[VerifiedClaim] = Field(default_factory=list)
    dropped: list[DroppedClaim] = Field(default_factory=list)

    @property
    def dropped_count(self) -> int:
        return len(self.dropped)


def verify_claims(claims: list[DraftClaim], passages: list[Passage]) -> Verification:
    by_id = {passage.chunk_id: passage for passage in passages}
    result = Verification()
    for claim in claims:
        outcome = verify_claim(claim, by_id)
        if isinstance(outcome, VerifiedClaim):
            result.verified.append(outcome)
        else:
            result.dropped.append(outcome)
    return result


def verify_claim(claim: DraftClaim, passages_by_id: dict[str, Passage]) -> VerifiedClaim | DroppedClaim:
    def drop(reason: DropReason, detail: str = "") -> DroppedClaim:
        return DroppedClaim(claim=claim, reason=reason, detail=detail)

    if not claim.text.strip():
        return drop("empty_claim")
    cited_ids = list(dict.fromkeys(pid.strip() for pid in claim.passage_ids if pid.strip()))
    if not cited_ids:
        return drop("no_citation")
    unknown = [pid for pid in cited_ids if pid not in passages_by_id]
    if unknown:
        return drop("unknown_passage", f"cites passage(s) that were not retrieved: {', '.join(unknown)}")
    quote = match_form(claim.quote)
    if len(quote.split()) < MIN_QUOTE_WORDS:
        return drop("quote_too_short", f"a quote needs at least {MIN_QUOTE_WORDS} words")
    holding = [passages_by_id[pid] for pid in cited_ids if quote in match_form(passages_by_id[pid].text)]
    if not holding:
        return drop("quote_not_in_cited_passage", f"quote not found in {', '.join(cited_ids)}")

    evidence_text = "\n".join(_evidence_text(p) for p in holding)
    missing = unsupported_facts(claim.text, evidence_text)
    if missing:
        fact = missing[0]
        return drop(f"unsupported_{fact.kind}", f"{fact.written!r} is not in the cited passages")  # type: ignore[arg-type]
    support = term_support(claim.text, evidence_text)
    if support < MIN_CLAIM_TERM_SUPPORT:
        return drop("unsupported_wording", f"only {support:.0%} of the claim's words are in the cited passages")
    return VerifiedClaim(text=display_form(claim.text), quote=display_form(claim.quote), passages=holding)


def _evidence_text(passage: Passage) -> str:
    """A passage's own text, plus the labels shown with its citation (section, title)."""
    return "\n".join(part for part in (passage.text, passage.section or "", passage.title) if part)


def unsupported_facts(claim_text: str, evidence_text: str) -> list[Fact]:
    """The facts of the claim that the evidence does not state, in the same normal form."""
    claimed = extract_facts(claim_text)
    evidence = extract_facts(evidence_text)
    code_values = {f.value for f in claimed.facts if f.kind == "code"}
    # A CFR section is also a bare number; it is checked once, as a code.
    facts = [f for f in claimed.facts if not (f.kind == "number" and f.value in code_values)]
    return [fact for fact in facts if not fact_supported(fact, evidence, evidence_text)]


def fact_supported(fact: Fact, evidence: Facts, evidence_text: str) -> bool:
    if fact.kind == "number":
        return fact.value in evidence.numbers
    if fact.kind == "code":
        return code_in_text(fact.value, evidence, evidence_text)
    if fact.kind == "date":
        return any(_same_date(fact.value, d.value) for d in evidence.of_kind("date"))
    if fact.kind == "duration":
        return any(d.value == fact.value and d.unit == fact.unit for d in evidence.of_kind("duration"))
    return any(f.value == fact.value for f in evidence.of_kind(fact.kind))


def _same_date(claimed: str, stated: str) -> bool:
    """'2013-03' is in '2013-03-26'; '--03-31' (no year) is in '2025-03-31'; a year-less date never
    vouches for a dated claim."""
    if claimed.startswith("--"):
        return stated.endswith(claimed[1:]) and len(stated) in {7, 10}
    return stated == claimed or stated.startswith(claimed + "-")


def code_in_text(code: str, evidence: Facts, evidence_text: str) -> bool:
    """A code counts as present when the code finder sees it, or when it stands as its own token (a record
    label such as `GA,` in a code file, or an ICD-10-CM code written with its dot)."""
    if any(f.kind == "code" and f.value == code for f in evidence.facts):
        return True
    if re.fullmatch(r"[A-Z]\d[0-9A-Z]{1,5}", code) and len(code) > 3:
        dotted = re.escape(code[:3]) + r"\.?" + re.escape(code[3:])
        return re.search(rf"(?<![A-Za-z0-9]){dotted}(?![A-Za-z0-9])", evidence_text) is not None
    return re.search(rf"(?<![A-Za-z0-9.]){re.escape(code)}(?![A-Za-z0-9])", evidence_text) is not None


def term_support(claim_text: str, evidence_text: str) -> float:
    """Share of the claim's content words (numbers aside) that occur in the evidence."""
    terms = [t for t in content_terms(claim_text) if not t[0].isdigit()]
    if not terms:
        return 1.0
    available = set(content_terms(evidence_text))
    return sum(1 for t in terms if t in available) / len(terms)
