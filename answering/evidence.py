"""Sentences of the retrieved passages, scored against a question. The gate reads the best of them to
decide whether the asked fact is there; the extractive backend quotes them."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from answering.facts import Fact, Facts, extract_facts, has_fact_of_kind, number_value
from answering.question import TITLED_NAME, Question, proper_names
from answering.text import (
    STOPWORDS,
    clean,
    content_terms,
    is_heading_like,
    spelled_out,
    split_sentences,
    stem,
    strip_list_marker,
    term_alternatives,
)
from answering.verifier import code_in_text
from kb.codes import find_codes
from kb.models import Passage
from kb.vocabulary import with_documents_wording
from retrieval.definitions import defined_terms, defines, points_elsewhere, states_definition

_PHONE = re.compile(
    r"(?<!\d)(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}(?!\d)"
    r"|\b1[-. ]?8[0-9]{2}[-. ][A-Z0-9]{3}[-. ]?[A-Z0-9]{4}\b"  # toll-free, also spelled: 1-800-HHS-TIPS
)
# After a lower-case word and closing a phrase ('... is Jane Smith.', 'call Jane Smith, Privacy Officer'), unlike
# a title-case label that opens a sentence or heads a noun ('Breach Investigation:', 'Incident Identification form').
_CAPITALISED_PAIR = re.compile(
    r"\b[a-z]+,?\s+([A-Z][a-z]+)\s+(?:[A-Z]\.\s+)?([A-Z][a-z]+)(?=\s*(?:[,.;()]|$)|\s+(?:is|at|can|will|may|or|and)\b)"
)
# Words of roles, bodies and programmes: 'Privacy Officer', 'Physician Assistant', 'Medicare Advantage'.
_NOT_A_PERSONS_NAME = frozenset(
    """officer manager director supervisor coordinator administrator assistant committee department team
    security privacy compliance chief executive office representative physician nurse practitioner
    health human services inspector general medicare medicaid advantage plan program federal state
    national center centers care covered entity business associate the this that datica hhs
    form report survey log notice policy procedure agreement contract rule act law statute list file system""".split()
)


def names_a_person(sentence: str) -> bool:
    """A person named ('Jane Smith', 'Dr. Patel'), not a role ('the Security Officer')."""
    if TITLED_NAME.search(sentence):
        return True
    return any(
        a.casefold() not in _NOT_A_PERSONS_NAME and b.casefold() not in _NOT_A_PERSONS_NAME
        for a, b in _CAPITALISED_PAIR.findall(sentence)
    )


# '42 CFR 1001.952', '42 U.S.C. 1320a-7b': a regulatory or statutory citation answers 'where in the CFR'.
_LEGAL_CITE = re.compile(r"\b\d{1,2}\s*(?:CFR|C\.F\.R\.|U\.S\.C\.?)\s*(?:part\s+|§+\s*)?\d+", re.IGNORECASE)
_FAX = re.compile(r"\bfax", re.IGNORECASE)
_CLOCK = re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)(?!\w)|\b\d{1,2}:\d{2}\b|\bnoon\b|\bmidnight\b", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_POSTAL_ADDRESS = re.compile(
    r"\bP\.?\s?O\.?\s+Box\s+\d+|"
    r"\b\d{1,6}\s+(?:[A-Z][\w.'-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Place|Pl|"
    r"Court|Ct|Parkway|Pkwy|Pike|Plaza|Square|Sq)\b|"
    r"\b(?:[A-Z]{2}|D\.C\.),?\s+\d{5}(?:-\d{4})?\b"
)
_FREQUENCY = re.compile(
    r"\b(daily|weekly|monthly|quarterly|annually|yearly|biennially|hourly|every\s+\w+|each\s+(day|week|month|quarter|year)|"
    r"(once|twice|\w+ times)\s+(a|an|per|each|every)\s+(\w+\s+)?(day|week|month|quarter|year|period|cycle)s?|"
    r"per\s+(day|week|month|quarter|year)|at least (once|annually))\b",
    re.IGNORECASE,
)
_TIMING = re.compile(
    r"\b(before|after|prior to|no later than|within|upon|(?<!the )following|until|by the (?:end|close|start|first|last|date|deadline|time)|"
    r"at the time|immediately|promptly|"
    r"without unreasonable delay|as soon as)\b",
    re.IGNORECASE,
)
PASSAGE_CONTEXT_WEIGHT = 0.3
RETRIEVAL_RANK_WEIGHT = 0.12
QUESTION_NUMBER_WEIGHT = 0.6  # 0.45-1.0 measured alike on the dev set; 0.3 left 'a 76 or 77' behind its topic
ACRONYM_WEIGHT = 0.3
DEFINITION_FACTOR = 1.3
TERM_DEFINITION_FACTOR = 1.6  # the sentence defines the very term asked about
OTHER_CODE_FACTOR = 0.3  # 'units of 36415?' is not answered by a rule for 88342
OTHER_THING_RECORD_FACTOR = 0.6  # a code record without the question's rarest word ('abatacept' for ketorolac)
OTHER_KIND_FACTOR = 0.6  # 'a request for an amendment' answers no question on 'a request for access'
UNNAMED_CODE_FACTOR = 0.7  # 'MUE rules for 36415?': a general MUE rule, after the sentences on 36415
LISTED_CODE_FACTOR = 0.7  # 'G0102 is not payable with an E&M code (e.g., G0439)' is a rule for G0102
DEFINITION_LEAD = 0.5  # it says what the term is (not merely something about it): it leads
RULE_FACTOR = 1.15
LONG_SENTENCE_WORDS = 60
MEANING_CANDIDATES = 16
MEANING_WEIGHT = 0.5
# A definition question ('what is X', 'what does X mean', 'what counts as X') is answered by a sentence that
# defines; a yes/no question by one that states a rule (must, may not, does not require...).
_ASKS_DEFINITION = re.compile(
    r"\b(what (is|are|does|do)|what's|whats|define[sd]?|definition|meaning|means?|counts? as|refers? to)\b", re.IGNORECASE
)
# A defining sentence names its subject in its first few words, then says what it is.
_DEFINES = re.compile(
    r"^\W*(?:[\w'\"()/-]+\s+){1,6}?(means|is|are|refers? to|is defined as|are defined as|indicates?|is used to|are used to)\b",
    re.IGNORECASE,
)
_STATES_RULE = re.compile(
    r"\b(must|shall|may|may not|cannot|can not|not|no|required|requires?|prohibit(s|ed)?|permitted|only|except)\b",
    re.IGNORECASE,
)
_CITATION_BOILERPLATE = re.compile(
    r"^\s*\[?\s*\d+\s+FR\s+\d+"
    r"|\bFR Doc\.|\bFiled \d{1,2}[-–]\d{1,2}[-–]\d{2,4};|\bBILLING CODE \d{4}",  # a Federal Register filing trailer
)
_RECORD_LABEL = re.compile(r"^\s*(?:[A-Za-z][\w /-]{0,30}:\s+|§+\s*)?([A-Z0-9]{2,7}(?:\.\d{1,4})?)\b")


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    passage: Passage
    passage_rank: int
    position: int
    score: float
    matched_terms: frozenset[str]
    has_asked_fact: bool
    match: float = 0.0
    """How well the sentence's own words match the question, before its passage's retrieval rank counts."""


@lru_cache(maxsize=4096)
def _sentence_analysis(text: str) -> tuple[frozenset[str], Facts]:
    return frozenset(content_terms(text)), extract_facts(text)


@lru_cache(maxsize=512)
def _passage_sentences(text: str, document: str) -> tuple[str, ...]:
    return tuple(split_sentences(text, document))


def sentence_terms(sentence: str) -> frozenset[str]:
    """The content terms of a sentence's own words (its passage's words aside)."""
    return _sentence_analysis(sentence)[0]


def sentence_facts(sentence: str) -> Facts:
    """The facts of a sentence, read once however often ranking and the gate ask."""
    return _sentence_analysis(sentence)[1]


_cleaned = lru_cache(maxsize=8192)(clean)  # every sentence is checked once per question and per part


def passage_sentences(passage: Passage) -> tuple[str, ...]:
    return _passage_sentences(passage.text, passage.document)


def holds_asked_fact(
    sentence: str,
    facts: Facts,
    asked: frozenset[str],
    deadline: bool = False,
    named_years: frozenset[str] = frozenset(),
) -> bool:
    """`deadline`: the question asks by when something must happen, which 'at least 90 days' does not say.
    `named_years`: years the question gives ('deleted in FY2023'), which are not the count it asks for."""
    sentence = _cleaned(sentence)  # '1–800–447–8477' is written with en dashes
    for kind in asked:
        if kind == "person" and names_a_person(sentence):
            return True
        if kind == "phone" and _PHONE.search(sentence):
            return True
        if kind == "fax" and _PHONE.search(sentence) and _FAX.search(sentence):
            return True  # a phone number is not a fax number unless the text says so
        if kind == "clock" and _CLOCK.search(sentence):
            return True
        if kind == "email" and _EMAIL.search(sentence):
            return True
        if kind == "address" and _POSTAL_ADDRESS.search(sentence):
            return True
        if kind == "frequency" and _FREQUENCY.search(sentence):
            return True
        if kind == "timing" and _TIMING.search(sentence):
            return True
        if kind == "code" and (
            any(f.kind == "code" for f in facts.facts) or _is_record_line(sentence) or _LEGAL_CITE.search(sentence)
        ):
            return True
        if kind == "number" and _states_quantity(sentence, named_years):
            return True
        if kind == "duration" and deadline:
            if any(not _is_not_a_limit(sentence, fact) for fact in facts.of_kind("duration")):
                return True
            continue
        if kind in {"money", "percent", "date", "duration"} and has_fact_of_kind(facts, kind):  # type: ignore[arg-type]
            return True
    return False


_FLOOR_BEFORE = re.compile(
    r"\b(?:at least|not less than|no less than|(?:a )?minimum of|no fewer than|not fewer than)\s*(?:\(?\w+\)?\s*)?$",
    re.IGNORECASE,
)
_FLOOR_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:or more|or longer)\b", re.IGNORECASE)
_OR_MORE = re.compile(r"\bor (?:more|longer)\b", re.IGNORECASE)


_LASTING_BEFORE = re.compile(r"\bfor\s+an?\s+(?:total\s+)?(?:period|term|duration)\s+of\s+(?:up\s+to\s+)?$", re.IGNORECASE)
_COUNTED_FROM = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:after|from|following|since|of\s+(?:the\s+)?(?:receipt|discovery|date))\b", re.IGNORECASE
)


def _is_not_a_limit(sentence: str, duration: Fact) -> bool:
    """A duration that is not the time allowed to act: a least length ('active for at least 90 days', '63 or
    more days') or how long a thing lasts ('a conspicuous posting for a period of 90 days'; 'for a period of
    30 days after receipt' counts from an event, so it is a time allowed)."""
    at = sentence.find(duration.written) if duration.written else -1
    if at < 0:
        return False
    before = sentence[max(0, at - 40) : at]
    after = sentence[at + len(duration.written) : at + len(duration.written) + 40]
    is_floor = _FLOOR_BEFORE.search(before[-30:]) or _FLOOR_AFTER.search(after[:20]) or _OR_MORE.search(duration.written)
    is_lasting = _LASTING_BEFORE.search(before) and not _COUNTED_FROM.match(after)
    return bool(is_floor or is_lasting)


_ENUMERATOR = re.compile(r"\(\s*(?:\d{1,3}|[a-zA-Z]{1,2}|[ivxlc]{1,5})\s*\)|^\s*\d{1,2}\.\s")  # '(a)(1)', '2. Audit'
_REFERENCE = re.compile(
    r"(?:\b(?:parts?|subparts?|sections?|sec\.|chapters?|titles?|appendix|paragraphs?|pages?|items?|steps?|tables?|figures?|"
    r"forms?|lines?|rules?|footnotes?|endnotes?|notes?)|§+)\s*[\w.()-]*\d[\w.()-]*",
    re.IGNORECASE,
)


# 'a unique five-digit order number': a number naming a property, not a count ('ICD-10-CM' is a name fact).
_NUMBER_IN_A_NAME = re.compile(r"\b\w+-(?:digit|character|letter|column|byte|bit|tier|part)\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _states_quantity(sentence: str, named_years: frozenset[str] = frozenset()) -> bool:
    """A count, size or amount: list enumerators ('(a)(1)'), section or code numbers and numbers naming a
    property ('five-digit') are not quantities."""
    facts = extract_facts(_NUMBER_IN_A_NAME.sub(" ", _REFERENCE.sub(" ", _ENUMERATOR.sub(" ", sentence))))
    codes = {f.value for f in facts.facts if f.kind == "code"}
    # '164' beside '164.308' is the part number of a section, cut off at the passage's end.
    parts_of_codes = {code.partition(".")[0] for code in codes}
    return any(
        f.kind in {"number", "duration", "money", "percent"} and f.value not in codes | parts_of_codes | named_years
        for f in facts.facts
    )


COUNTED_WORDS_BEFORE = 3  # words other than stopwords: 'codes in the file: 73639', 'the MUE value for 36415 is 1'
COUNTED_WORDS_AFTER = 3  # '28 revisions', '16 different authorities', 'five or more medical records'
_COUNT_WORD = re.compile(r"[A-Za-z][A-Za-z']*|\d[\d,]*(?:\.\d+)?")


_LIST_NUMBER = re.compile(r"\(\d{1,2}\)|(?<![\w.])\d{1,2}\)")  # '(1) All employees' numbers an item, counts nothing


@lru_cache(maxsize=4096)
def counts_the_counted(sentence: str, counted: tuple[str, ...]) -> bool:
    """'How many codes were revised?': '28 revisions' counts them; 'a line is never longer than 400
    characters' counts something else. A number answers when the counted thing is named beside it, and
    the sentence says what was done to it ('revised') when the question does."""
    unnumbered = _LIST_NUMBER.sub(" ", _cleaned(sentence))
    words = [w for w in _COUNT_WORD.findall(unnumbered) if w.casefold() not in STOPWORDS]
    stems = [stem(word) for word in words]
    said = set(stems)
    if any(not term_alternatives(done) & said for done in counted[1:]):
        return False
    wanted = frozenset().union(*(term_alternatives(t) for t in counted))
    for at, word in enumerate(words):
        if number_value(word) is None:
            continue
        beside = stems[max(0, at - COUNTED_WORDS_BEFORE) : at] + stems[at + 1 : at + 1 + COUNTED_WORDS_AFTER]
        if wanted & set(beside):
            return True
    return False


def _is_record_line(sentence: str) -> bool:
    return bool(_RECORD_LABEL.match(sentence)) and any(ch.isdigit() for ch in sentence.split(",")[0])


def term_weights(question: Question, sentences: list[frozenset[str]]) -> dict[str, float]:
    """Inverse sentence frequency within the evidence: a question word found in every sentence says little."""
    n = len(sentences) or 1
    weights = {}
    names_a_record = bool(record_codes(question.text))
    for term in question.terms:
        if names_a_record and term in _CODE_SYSTEM_TERMS:
            continue  # 'ICD-10-CM code B37.31': which kind of code it is; its record need not say so
        alternatives = term_alternatives(term)
        df = sum(1 for s in sentences if alternatives & s)
        if df == 0 and term in question.context_terms:
            continue  # the asker's situation ('this week', 'at the front desk'), which no rule need mention
        weights[term] = math.log(1 + n / (1 + df)) + 0.5
    return weights


_CODE_SYSTEM_TERMS = frozenset(content_terms("code codes ICD-10-CM ICD-10-PCS HCPCS HCPC CPT"))


def rank_sentences(question: Question, passages: list[Passage]) -> list[ScoredSentence]:
    """Every sentence of every passage, best first."""
    candidates: list[tuple[str, Passage, int, int, frozenset[str], Facts]] = []
    for rank, passage in enumerate(passages):
        for position, sentence in enumerate(passage_sentences(passage)):
            terms, facts = _sentence_analysis(sentence)
            candidates.append((sentence, passage, rank, position, terms, facts))
    if not candidates:
        return []
    weights = term_weights(question, [c[4] for c in candidates])
    total = sum(weights.values()) or 1.0
    passage_terms = {p.chunk_id: frozenset(content_terms(p.text)) for p in passages}
    asked_numbers = _question_numbers(question)
    acronyms = [name for name in proper_names(question.text) if name.replace("/", "").isupper() and len(name) > 1]
    # An initialism no passage text uses is met by the title of the document it names.
    titled_only = [a for a in acronyms if not any(_names(a, p.text) for p in passages)]
    named_by_title = {p.chunk_id: frozenset(a for a in titled_only if _names(a, p.title)) for p in passages}
    wants_definition = not question.asked and not question.yes_no and bool(_ASKS_DEFINITION.search(question.text))
    asked_terms = defined_terms(question.text) if wants_definition else ()
    asked_records = record_codes(question.text)
    initialisms = question_initialisms(question.text)
    # A table lists what exists: it can answer 'which section' or 'what are the specifications', not decide a yes/no.
    table_answers = not question.yes_no or "code" in question.asked or bool(_NAMES_A_SECTION.search(question.text))
    # 'Which drug code for ketorolac injection?': a code record without the question's rarest word ('abatacept
    # injection') names another thing, however many of the commoner words it shares.
    rarest = max(weights, key=weights.__getitem__) if "code" in question.asked and weights else None
    rarest_forms = term_alternatives(rarest) if rarest else frozenset()
    asked_kinds = kinds_named(with_documents_wording(question.text))
    question_forms = frozenset(form for t in question.terms for form in term_alternatives(t))
    scored = []
    for sentence, passage, rank, position, terms, facts in candidates:
        matched = frozenset(t for t in question.terms if term_alternatives(t) & terms)
        if initialisms:
            matched |= _spelled_by_initialisms(sentence, initialisms) & frozenset(question.terms)
        defined_in_passage = defined_initialisms(passage.text)  # cached per passage text
        if defined_in_passage:
            matched |= _spelled_by_initialisms(sentence, defined_in_passage) & frozenset(question.terms)
        in_passage = [t for t in question.terms if term_alternatives(t) & passage_terms[passage.chunk_id]]
        # The sentence says it; its passage tells which rule or topic it belongs to.
        score = sum(weights.get(t, 0.0) for t in matched) / total + PASSAGE_CONTEXT_WEIGHT * sum(weights.get(t, 0.0) for t in in_passage) / total
        about = code_context(sentence, passage, position) if question.codes else sentence
        if question.codes:
            hits = [c for c in question.codes if code_in_text(c, facts, sentence) or c in record_codes(about)]
            score += 0.6 * len(hits) / len(question.codes)
            if hits and _labels_code(sentence, passage, hits):
                score += 0.4
        if asked_records and _about_other_codes(about, asked_records):
            score *= OTHER_CODE_FACTOR
        elif len(asked_records) == 1 and _led_by_other_code(about, asked_records):
            score *= LISTED_CODE_FACTOR
        elif asked_records and not record_codes(about) & asked_records:
            score *= UNNAMED_CODE_FACTOR
        if rarest_forms and not rarest_forms & terms and _is_record_line(sentence):
            score *= OTHER_THING_RECORD_FACTOR
        if asked_kinds and _names_another_kind(sentence, terms, asked_kinds, question_forms):
            score *= OTHER_KIND_FACTOR
        if acronyms:
            # 'ME/CFS' is matched by 'myalgic encephalomyelitis/chronic fatigue syndrome'; 'the LEIE layout' by a row
            # of 'List of Excluded Individuals/Entities (LEIE) - Database Record Layout'.
            met = sum(1 for a in acronyms if a in named_by_title[passage.chunk_id] or spelled_out(a, sentence))
            score += ACRONYM_WEIGHT * met / len(acronyms)
        if asked_numbers:
            # 'an indicator of 0', 'a 76 or 77': the sentence about that value, not merely about the topic.
            score += QUESTION_NUMBER_WEIGHT * len(asked_numbers & facts.numbers) / len(asked_numbers)
        if any(defines(term, sentence) for term in asked_terms):
            score *= TERM_DEFINITION_FACTOR
            if any(states_definition(term, sentence) for term in asked_terms):
                score += DEFINITION_LEAD
        elif wants_definition and _defines_something(sentence):
            score *= DEFINITION_FACTOR
        if question.yes_no and _STATES_RULE.search(sentence):
            score *= RULE_FACTOR
        has_asked = bool(question.asked) and holds_asked_fact(
            sentence, facts, question.asked, question.deadline, question.named_years
        )
        if has_asked and question.measured:
            has_asked = any(term_alternatives(t) & terms for t in question.measured)
        if has_asked and question.counted:
            has_asked = counts_the_counted(sentence, question.counted)
        if question.asked:
            score *= 1.25 if has_asked else 0.6
        match = score * _form_factor(sentence, passage, table_answers)
        # The retriever's order carries what word matching cannot see (its dense half reads meaning).
        score = match + RETRIEVAL_RANK_WEIGHT * (1 - rank / max(len(passages), 1)) + 0.01 / (1 + position)
        scored.append(
            ScoredSentence(sentence, passage, rank, position, round(score, 4), matched, has_asked, round(match, 4))
        )
    scored.sort(key=lambda s: (-s.score, s.passage_rank, s.position))
    return scored


def _names(acronym: str, text: str) -> bool:
    return bool(re.search(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", text)) or spelled_out(acronym, text)


_KIND_OF = re.compile(
    r"(?:\b(?:a|an|the|this|that|any|each|every|our|your|their|its|his|her)\s+|'s\s+)(?P<thing>[A-Za-z]{3,})\s+"
    r"(?:for|to)\s+(?:(?:a|an|the|such|its|their|his|her|our|your)\s+)?(?P<kind>[A-Za-z]{3,})",
    re.IGNORECASE,
)


def kinds_named(text: str) -> dict[str, frozenset[str]]:
    """What kind of each thing a text names: 'a request for an amendment' -> {'request': {'amend'}}, 'the
    right to restrict' -> {'right': {'restrict'}}."""
    kinds: dict[str, set[str]] = {}
    for match in _KIND_OF.finditer(clean(text)):
        thing, kind = stem(match.group("thing").casefold()), match.group("kind").casefold()
        if thing in STOPWORDS or kind in STOPWORDS:
            continue
        kinds.setdefault(thing, set()).add(stem(kind))
    return {thing: frozenset(k) for thing, k in kinds.items()}


def _names_another_kind(
    sentence: str, terms: frozenset[str], asked: dict[str, frozenset[str]], question_forms: frozenset[str]
) -> bool:
    """The sentence is about another kind of the asked thing: 'a request for an amendment' for a question
    on 'a request for access', neither kind named by the other side."""
    for thing, kinds in kinds_named(sentence).items():
        wanted = asked.get(thing)
        if not wanted or _any_alike(kinds, question_forms):
            continue
        if not any(_any_alike(term_alternatives(k), terms) for k in wanted):
            return True
    return False


def _any_alike(words: frozenset[str], others: frozenset[str]) -> bool:
    """A word and its longer form are alike: 'act' and 'action' (the stemmer keeps nouns whole)."""
    return any(
        min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)) for a in words for b in others
    )


Similarity = Callable[[Sequence[tuple[str, Sequence[str]]]], list[list[float]]]
"""For each (question, sentences): how close each sentence is in meaning to its question, about -1 to 1.
One call answers for several questions (a question and its parts), so the model runs once."""


def rerank_by_meaning(
    questions: Sequence[Question],
    rankings: Sequence[list[ScoredSentence]],
    similarity: Similarity,
    candidates: int = MEANING_CANDIDATES,
    weight: float = MEANING_WEIGHT,
) -> list[list[ScoredSentence]]:
    """Each question's best sentences by words, reordered with how close each is in meaning to it. Only
    the head is embedded: it keeps answering fast, and a sentence that shares no words with the question
    is rarely its answer."""
    heads = [_meaning_head(ranked, candidates, weight) for ranked in rankings]
    closeness = similarity([(q.text, [s.text for s in head]) for q, head in zip(questions, heads)])
    reranked = []
    for ranked, head, close in zip(rankings, heads, closeness):
        rescored = [replace(s, score=round(s.score + weight * c, 4)) for s, c in zip(head, close)]
        rescored.sort(key=lambda s: (-s.score, s.passage_rank, s.position))
        reranked.append(rescored + ranked[len(head) :])
    return reranked


def _meaning_head(ranked: list[ScoredSentence], candidates: int, weight: float) -> list[ScoredSentence]:
    if not ranked:
        return []
    # Closeness adds at most `weight`: a sentence further than that below the best cannot overtake it.
    head = [s for s in ranked[:candidates] if s.score >= ranked[0].score - weight]
    return head if len(head) > 1 else []


_RECORD_KINDS = frozenset({"cpt", "hcpcs", "icd10cm"})
_CODE_RANGE = re.compile(r"\b([A-Z]?)(\d{4,5})\s*(?:-|–|through|to)\s*([A-Z]?)(\d{4,5})\b")


@lru_cache(maxsize=8192)
def record_codes(text: str) -> frozenset[str]:
    """CPT, HCPCS and ICD-10-CM codes: each has its own rules. (Modifiers and CFR sections are named beside
    other codes' rules, so they do not mark a sentence as being about another code.)"""
    return frozenset(c.value for c in find_codes(text) if c.kind in _RECORD_KINDS)


_THIS_CODE = re.compile(r"\b(?:this|these|that|those|such|the above)\s+codes?\b(?!\s+[A-Z]?\d)", re.IGNORECASE)
CODE_CONTEXT_SENTENCES = 2


def code_context(sentence: str, passage: Passage, position: int) -> str:
    """'The unit of service for this code is ...' is about the code named just before it."""
    antecedent = code_antecedent(sentence, passage, position)
    return f"{antecedent} {sentence}" if antecedent else sentence


def code_antecedent(sentence: str, passage: Passage, position: int) -> str | None:
    """The sentence naming the code that 'this code' refers to, when the sentence names none itself."""
    if not _THIS_CODE.search(sentence) or record_codes(sentence):
        return None
    before = passage_sentences(passage)[max(0, position - CODE_CONTEXT_SENTENCES) : position]
    return next((text for text in reversed(before) if record_codes(text)), None)


def _about_other_codes(sentence: str, asked: frozenset[str]) -> bool:
    """The sentence names procedure or diagnosis codes, none of them the asked ones, nor a range holding one."""
    named = record_codes(sentence)
    if not named or named & asked:
        return False
    for prefix, low, _, high in _CODE_RANGE.findall(sentence):
        for code in asked:
            code_prefix, digits = (code[0], code[1:]) if code[0].isalpha() else ("", code)
            if code_prefix == prefix and len(digits) == len(low) and low <= digits <= high:
                return False
    return True


def _led_by_other_code(sentence: str, asked: frozenset[str]) -> bool:
    """The first code the sentence names is another one: the asked code is only listed beside its rule."""
    named = record_codes(sentence)
    if not named or not named & asked or named <= asked:
        return False
    first = min(named, key=lambda code: _position(code, sentence))
    return first not in asked


def _position(code: str, sentence: str) -> int:
    for spelling in (code, f"{code[:3]}.{code[3:]}"):
        at = sentence.find(spelling)
        if at >= 0:
            return at
    return len(sentence)


_WORD = re.compile(r"[A-Za-z]+")
_INITIALISM = re.compile(r"\b([A-Z]{3,6})s?\b")
_JOINING_WORDS = frozenset({"of", "and", "for"})


@lru_cache(maxsize=1024)
def question_initialisms(text: str) -> dict[str, frozenset[str]]:
    """'civil money penalty' -> {'CMP': its terms}: the documents often write for short what staff spell
    out ('CMP', 'AKS', 'OIG'). Runs of three to six content words; 'of', 'and', 'for' may join them."""
    words = _WORD.findall(text)
    found: dict[str, frozenset[str]] = {}
    for start, first in enumerate(words):
        if first.casefold() in STOPWORDS:
            continue
        letters, run = "", []
        for word in words[start : start + 10]:
            folded = word.casefold()
            if folded in _JOINING_WORDS:
                run.append(word)
                continue
            if folded in STOPWORDS or len(letters) == 6:
                break
            letters += word[0].upper()
            run.append(word)
            if len(letters) >= 3:
                found.setdefault(letters, frozenset(content_terms(" ".join(run))))
    return found


_DEFINED_INITIALISM = re.compile(r"\(([A-Z]{3,6})s?\)")


@lru_cache(maxsize=4096)
def defined_initialisms(text: str) -> dict[str, frozenset[str]]:
    """'Correct Coding Modifier Indicator (CCMI)' -> {'CCMI': its terms}: a passage that defines a short
    form lets its later sentences ('A CCMI of "0" indicates ...') match the words it stands for."""
    found: dict[str, frozenset[str]] = {}
    for match in _DEFINED_INITIALISM.finditer(text):
        short = match.group(1)
        words = _WORD.findall(text[max(0, match.start() - 120) : match.start()])
        run: list[str] = []
        letters = ""
        for word in reversed(words):
            if word.casefold() in _JOINING_WORDS and run:
                run.insert(0, word)
                continue
            letters = word[0].upper() + letters
            run.insert(0, word)
            if len(letters) >= len(short):
                break
        if letters == short:
            found.setdefault(short, frozenset(content_terms(" ".join(run))))
    return found


def _spelled_by_initialisms(sentence: str, initialisms: dict[str, frozenset[str]]) -> frozenset[str]:
    terms: set[str] = set()
    for short in _INITIALISM.findall(sentence):
        terms |= initialisms.get(short, frozenset())
    return frozenset(terms)


def _defines_something(sentence: str) -> bool:
    unmarked = strip_list_marker(sentence)
    match = _DEFINES.search(unmarked)
    return bool(match) and not points_elsewhere(unmarked, match.end())


def _question_numbers(question: Question) -> frozenset[str]:
    """Bare numbers the question names (not codes, years or amounts it asks about)."""
    facts = extract_facts(question.text)
    codes = {f.value for f in facts.facts if f.kind == "code"}
    # Digits only: a number word is more often part of a name ('column two', 'Part Two') than the detail asked.
    return frozenset(
        f.value for f in facts.facts
        if f.kind == "number" and f.value not in codes and len(f.value) < 4 and any(ch.isdigit() for ch in f.written)
    )


def _labels_code(sentence: str, passage: Passage, codes: list[str]) -> bool:
    """The sentence is the code's own record: the passage is labelled with the code, or the line starts with it."""
    wanted = {_bare_code(c) for c in codes}
    label = _RECORD_LABEL.match(sentence)
    return _bare_code(passage.section or "") in wanted or bool(label and _bare_code(label.group(1)) in wanted)


def _bare_code(text: str) -> str:
    """'§ 164.524', '164.524' and 'B37.31' / 'B3731' compare equal."""
    return re.sub(r"[\s.§]", "", text).upper()


# 'For example, if a physician collected $50 ...': an illustration's amounts are made up, not the rule's.
_ILLUSTRATION = re.compile(r"^\s*(?:for (?:example|instance)|example\s*\d*\s*[:.-]|e\.g\.)", re.IGNORECASE)
_CASE_EXAMPLES = re.compile(r"\bcase examples?\b", re.IGNORECASE)  # a settlement's amount is not the law's
ILLUSTRATION_FACTOR = 0.5
# 'Security Management Process 164.308(a)(1) Risk Analysis (R) ... 164.310(c) (R) ...': a flattened table or
# index of sections lists what exists; it states no rule.
_SECTION_NUMBER = re.compile(r"(?<![\d.])1[6-9]\d\.\d{3,4}(?!\d)")
SECTIONS_OF_A_TABLE = 3
_NAMES_A_SECTION = re.compile(r"\b(?:cites?|citations?|sections?|CFR)\b|§", re.IGNORECASE)
TABLE_FACTOR = 0.4


def _form_factor(sentence: str, passage: Passage, table_answers: bool = True) -> float:
    """Headings, fragments and citation trailers answer nothing; record lines are whole facts. A flattened
    table of sections does not decide a yes/no question ('is encryption required?') unless it asks which
    section ('which cite is for device and media controls?')."""
    record_file = passage.document.lower().endswith((".csv", ".tsv", ".txt"))
    if _CITATION_BOILERPLATE.search(sentence):
        return 0.2
    word_count = len(sentence.split())
    if not record_file and is_heading_like(strip_list_marker(sentence)):
        return 0.5
    if word_count < 4:
        return 0.5
    if _ILLUSTRATION.match(strip_list_marker(sentence)) or _CASE_EXAMPLES.search(passage.section or ""):
        return ILLUSTRATION_FACTOR
    if not table_answers and len(_SECTION_NUMBER.findall(sentence)) >= SECTIONS_OF_A_TABLE:
        return TABLE_FACTOR
    tokens = sentence.split()
    numeric_share = sum(1 for t in tokens if any(ch.isdigit() for ch in t)) / len(tokens)
    if not record_file and numeric_share > 0.4:
        return 0.4
    if word_count > LONG_SENTENCE_WORDS:
        # Long run-ons (flattened tables, nested lists) match many words by their length alone.
        return (LONG_SENTENCE_WORDS / word_count) ** 0.2
    return 1.0
