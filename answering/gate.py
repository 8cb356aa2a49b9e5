"""The sufficiency gate, run before any answer is drafted.

The evidence is sufficient only when
1. the question's specific terms (codes, years, numbers, states, names) occur in the passages that hold
   its best-matching sentences (or in those passages' titles and dates), and
2. when the question asks for a kind of fact (an amount, a percentage, a code, a count, a deadline, a
   date...), one of those best-matching sentences holds a fact of that kind, and shares more than one word
   with the question;
3. a who/where/which/how-do-I question, or each such part of a question in parts, which asks for no such
   kind, has a best-matching sentence sharing more than one of its words.

Most of the question's words must also occur in the passages, unless one of its best sentences is close to it
in meaning: staff say 'the notes her therapist wrote' where the rule says 'psychotherapy notes'.

Near-miss questions, whose topic is in the corpus but whose asked fact is not, fail one of these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from answering.evidence import (
    ScoredSentence,
    Similarity,
    counts_the_counted,
    passage_sentences,
    rank_sentences,
    sentence_facts,
)
from answering.facts import extract_facts
from answering.question import Question, SpecificTerm
from answering.text import TIME_WORDS, content_terms, spelled_out, term_alternatives
from answering.verifier import code_in_text
from kb.models import Passage

# Calibrated on the dev set's near-miss, unanswerable and answerable items (see tests/unit/test_gate.py).
# Most of the question's words must occur in the retrieved passages; a weaker coverage is accepted only
# when one sentence matches the question well.
MIN_TERM_COVERAGE = 0.45
WEAK_TERM_COVERAGE = 0.6
MIN_BEST_SCORE_AT_WEAK_COVERAGE = 0.4
SUPPORT_RELATIVE_SCORE = 0.6
SUPPORT_MAX_SENTENCES = 6
TOPIC_COVERAGE = 0.5
CODE_WEIGHT = 2
CONTEXT_WEIGHT = 0.5
# Answerable questions refused for their words alone (dev set and set A) had a sentence among their ten
# best at closeness 0.49-0.67; every question to refuse that was refused for its words stayed at 0.45 or below.
CLOSE_IN_MEANING = 0.48
MEANING_CANDIDATES = 10
MIN_TERM_COVERAGE_CLOSE_IN_MEANING = 0.2  # a question none of whose words the passages hold is on another topic

GateReason = Literal[
    "sufficient",
    "no_question",
    "clinical_advice",
    "unsupported_coding",
    "practice_records",
    "no_evidence",
    "off_topic",
    "specific_term_missing",
    "asked_fact_missing",
]


@dataclass(frozen=True)
class GateDecision:
    sufficient: bool
    reason: GateReason
    detail: str = ""
    missing: tuple[SpecificTerm, ...] = ()
    support: tuple[ScoredSentence, ...] = field(default=(), repr=False)
    topic_passages: tuple[Passage, ...] = field(default=(), repr=False)
    unanswered_part: Question | None = field(default=None, repr=False)
    """The part of a question in parts whose asked fact no supporting sentence holds."""


def check_sufficiency(
    question: Question, passages: list[Passage], similarity: Similarity | None = None
) -> GateDecision:
    """`similarity`: lets a sentence close in meaning to the question stand in for its missing words."""
    if question.is_empty:
        return GateDecision(False, "no_question", "nothing is asked about the documents")
    if question.clinical:
        return GateDecision(False, "clinical_advice", "clinical advice is outside what the documents answer")
    if question.unsupported_coding:
        return GateDecision(False, "unsupported_coding", "a code the documentation does not support is no rule of the documents")
    if question.practice_records:
        return GateDecision(False, "practice_records", "the practice's own records are not among the documents")
    if not passages:
        return GateDecision(False, "no_evidence", "no passage was found")
    ranked = rank_sentences(question, passages)
    if not ranked:
        return GateDecision(False, "no_evidence", "the passages hold no text")
    support = supporting_sentences(ranked)
    part_supports = [
        (part, support if part is question else supporting_sentences(rank_sentences(part, passages)))
        for part in question.all_parts
    ]
    supporting_passages = _unique_passages(s.passage for _, sentences in [(question, support), *part_supports] for s in sentences)
    coverage = term_coverage(question, tuple(passages))
    topical = supporting_passages if coverage >= TOPIC_COVERAGE else ()
    # A name of the asker's background says what the question is about, so any retrieved passage may hold
    # it; a name the question asks about ('how many days to notify the AG?'), a code, year, number or state
    # is the asked detail itself, so the passages holding the best sentences must.
    missing = tuple(
        t for t in question.specific
        if not term_covered(t, tuple(passages) if _only_background(t, question) else supporting_passages)
    )
    if missing and coverage >= TOPIC_COVERAGE:
        names = ", ".join(t.value for t in missing)
        return GateDecision(False, "specific_term_missing", f"not in the evidence: {names}", missing, support, topical)
    best_match = max(s.match for s in ranked)
    weak_match = coverage < WEAK_TERM_COVERAGE and best_match < MIN_BEST_SCORE_AT_WEAK_COVERAGE
    off_topic_by_words = coverage < MIN_TERM_COVERAGE or weak_match
    if off_topic_by_words and not missing and coverage >= MIN_TERM_COVERAGE_CLOSE_IN_MEANING:
        off_topic_by_words = not _close_in_meaning(question, ranked, similarity)
    if off_topic_by_words or missing:
        return GateDecision(
            False, "off_topic", f"best sentence match {best_match:.2f}, term coverage {coverage:.2f}",
            missing, support, topical,
        )
    # 'What does MUE adjudication indicator 1 mean?' (asking what a value means, not a quantity or a yes/no):
    # the value must be given for the thing named, not for another indicator.
    unnamed = () if question.asked or question.yes_no else tuple(
        SpecificTerm("number", n.written) for n in question.named_numbers if not _states_named(n.number, n.terms, ranked)
    )
    if unnamed:
        detail = "no sentence gives " + ", ".join(t.value for t in unnamed)
        return GateDecision(False, "specific_term_missing", detail, unnamed, support, topical)
    stated_numbers = [t.value for t in question.specific if t.kind == "number"]
    for part, sentences in part_supports:
        answering = [s for s in sentences if s.has_asked_fact and (part is not question or _on_the_question(s, part))]
        if part.asked and stated_numbers:
            # 'How long ... for a breach affecting fewer than 500 people?': the rule for that number, not the
            # rule of a sentence elsewhere in a passage that mentions it.
            answering = [s for s in answering if all(_stated_near(n, s) for n in stated_numbers)]
        if part.asked and not answering:
            kinds = "/".join(sorted(part.asked))
            detail = f"no supporting sentence holds a {kinds} for {part.original!r}"
            unanswered = part if part is not question else None
            return GateDecision(False, "asked_fact_missing", detail, (), support, topical, unanswered)
    for part, sentences in part_supports:
        if _ASKS_WHO_WHERE_WHICH_HOW.match(part.text) and not _one_sentence_shares_two_words(part, sentences):
            detail = f"no supporting sentence shares two of the words of {part.original!r}"
            return GateDecision(False, "off_topic", detail, (), support, topical)
    return GateDecision(True, "sufficient", "", (), support, topical)


def _only_background(term: SpecificTerm, question: Question) -> bool:
    named = set(content_terms(term.value))
    return term.kind == "name" and bool(named) and named <= question.context_terms


def _close_in_meaning(question: Question, ranked: list[ScoredSentence], similarity: Similarity | None) -> bool:
    if similarity is None:
        return False
    closeness = similarity([(question.text, [s.text for s in ranked[:MEANING_CANDIDATES]])])[0]
    return max(closeness, default=0.0) >= CLOSE_IN_MEANING


def supporting_sentences(ranked: list[ScoredSentence]) -> tuple[ScoredSentence, ...]:
    """The best-matching sentences: the leader and those scoring close to it."""
    if not ranked:
        return ()
    floor = SUPPORT_RELATIVE_SCORE * ranked[0].score
    return tuple(s for s in ranked[:SUPPORT_MAX_SENTENCES] if s.score >= floor)


MIN_SHARED_WORDS = 2  # '60 days after ... reply briefs' shares one word with 'how long to respond to a fix'
MIN_NAMED_FOR_SHARING = 3


def _on_the_question(sentence: ScoredSentence, question: Question) -> bool:
    """For a question of three or more words and codes, the sentence that gives the asked fact shares at least
    two of them: one shared word, often a light verb, makes the fact a coincidence ('legal holidays' for
    'When is the office holiday party?'). A word of the passage's title or section counts: 'Retain the
    documentation ... for 6 years' in the HIPAA text answers 'How long must we retain HIPAA policies?'. A
    shorter question, or a part of one ('when do changes kick in?'), has too few words to ask this of."""
    named = len(question.terms) + len(question.codes)
    if named < MIN_NAMED_FOR_SHARING:
        return True
    if question.counted and counts_the_counted(sentence.text, question.counted):
        return True  # 'five or more medical records' counts the charts asked about, in other words
    shared_codes = sum(1 for code in question.codes if _code_in_sentence(code, sentence))
    titled = set(content_terms(f"{sentence.passage.title} {sentence.passage.section or ''}")) & set(question.terms)
    naming_the_kind = _CONTACT_WORDS if question.asked and question.asked <= _CONTACT_KINDS else frozenset()
    shared = len((sentence.matched_terms | titled) - TIME_WORDS - naming_the_kind) + shared_codes
    naming_the_thing = len(set(question.terms) - naming_the_kind) + len(question.codes)
    return shared >= min(MIN_SHARED_WORDS, naming_the_thing)


# 'What's the phone number for the radiology center?': a sentence giving some phone number shares
# 'phone' and 'number' with it, and must still name whose number it is.
_CONTACT_KINDS = frozenset({"phone", "fax", "email", "address"})
_CONTACT_WORDS = frozenset(content_terms("phone telephone number fax email mail address call"))


_ASKS_WHO_WHERE_WHICH_HOW = re.compile(r"\s*(who|whom|where|which|how (do|can|should|would) (i|we))\b", re.I)


def _one_sentence_shares_two_words(question: Question, support: tuple[ScoredSentence, ...]) -> bool:
    """A who/where/which/how-do-I question asks for no kind of fact the gate could look for, so its
    supporting sentences must at least be about it: 'report a lost key(s)' shares one word with 'Where do
    we keep the spare keys to the office?', 'calendar months' none with 'Who was employee of the month?'."""
    if question.codes:
        return True
    own_terms = set(question.terms) - TIME_WORDS - question.context_terms
    needed = min(MIN_SHARED_WORDS, len(own_terms))
    return any(len(s.matched_terms & own_terms) >= needed for s in support)


def _code_in_sentence(code: str, sentence: ScoredSentence) -> bool:
    return code_in_text(code, sentence_facts(sentence.text), sentence.text) or code_in_text(
        code, extract_facts(sentence.passage.section or ""), sentence.passage.section or ""
    )


NUMBER_WINDOW = 1  # sentences either side of the answering sentence that may state the question's number


def _stated_near(number: str, sentence: ScoredSentence) -> bool:
    sentences = passage_sentences(sentence.passage)
    window = sentences[max(0, sentence.position - NUMBER_WINDOW) : sentence.position + NUMBER_WINDOW + 1]
    return any(number in sentence_facts(text).numbers for text in window)


def _states_named(number: str, name: tuple[str, ...], ranked: list[ScoredSentence]) -> bool:
    return any(set(name) <= s.matched_terms and number in sentence_facts(s.text).numbers for s in ranked)


def _unique_passages(passages) -> tuple[Passage, ...]:  # type: ignore[no-untyped-def]
    seen: dict[str, Passage] = {}
    for passage in passages:
        seen.setdefault(passage.chunk_id, passage)
    return tuple(seen.values())


def _haystack(passage: Passage) -> str:
    """What a passage can vouch for: its text, section label, title, publisher and effective date. The dated
    note is left out on purpose: it names what a document is not (e.g. 'not the Medicare manual')."""
    fields = (passage.text, passage.section or "", passage.title, passage.publisher, passage.effective_date or "")
    return "\n".join(x for x in fields if x)


def term_coverage(question: Question, passages: tuple[Passage, ...]) -> float:
    """Share of the question's words found in the passages. A named code counts as two words, being the
    most specific thing a question can name; a word only of the asker's background counts as half of one."""
    weights = {t: CONTEXT_WEIGHT if t in question.context_terms else 1.0 for t in question.terms}
    total = sum(weights.values()) + CODE_WEIGHT * len(question.codes)
    if not total:
        return 1.0
    available: set[str] = set()
    for passage in passages:
        available.update(content_terms(_haystack(passage)))
    found = sum(w for t, w in weights.items() if term_alternatives(t) & available)
    found += CODE_WEIGHT * sum(1 for code in question.codes if any(_code_in(code, p) for p in passages))
    return found / total


def _code_in(code: str, passage: Passage) -> bool:
    haystack = _haystack(passage)
    return code_in_text(code, extract_facts(haystack), haystack)


def term_covered(term: SpecificTerm, passages: tuple[Passage, ...]) -> bool:
    for passage in passages:
        haystack = _haystack(passage)
        if term.kind == "code":
            if _code_in(term.value, passage):
                return True
        elif term.kind == "year":
            if re.search(rf"(?<!\d){term.value}(?!\d)", haystack):
                return True
        elif term.kind == "number":
            if term.value in extract_facts(haystack).numbers:
                return True
        elif term.kind == "state":
            if term.value.casefold() in haystack.casefold():
                return True
        elif (
            set(content_terms(term.value)) <= set(content_terms(haystack))
            or spelled_out(term.value, haystack)
            or spelled_out(term.value, passage.publisher, joined=True)
        ):
            return True
    return False
