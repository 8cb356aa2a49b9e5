"""The embedded default backend: no model. It quotes the sentences of the retrieved passages that answer
the question, best first, each as a claim whose text is its own verbatim quote."""

from __future__ import annotations

import re

from answering.backend import Draft
from answering.evidence import (
    ScoredSentence,
    Similarity,
    code_antecedent,
    code_context,
    passage_sentences,
    rank_sentences,
    record_codes,
    rerank_by_meaning,
    sentence_facts,
    sentence_terms,
)
from answering.question import Question
from answering.text import TIME_WORDS, content_terms, display_form, is_heading_like, strip_list_marker
from answering.facts import extract_facts
from answering.verifier import DraftClaim, code_in_text
from kb.models import Passage
from kb.vocabulary import with_documents_wording

MAX_CLAIMS = 4
MAX_PART_CLAIMS = 4
RELATIVE_SCORE = 0.6
REDUNDANT_OVERLAP = 0.6
MAX_CONTINUATION_SENTENCES = 2
MEANING_FLOOR = 0.2  # correct dev answers to questions without codes: best claim's closeness 0.35 and up
MAX_SENTENCES = 5  # claims with the lead-ins and continuations they need: an answer stays short


class ExtractiveBackend:
    name = "extractive"
    model: str | None = None

    def __init__(self, similarity: Similarity | None = None) -> None:
        """`similarity`: sentence closeness in meaning to the question; without it, words alone rank."""
        self._similarity = similarity

    def draft(self, question: Question, passages: list[Passage]) -> Draft:
        chosen = select_for_parts(question, passages, self._similarity)
        if chosen and self._similarity and not question.codes and not self._near_in_meaning(question, chosen):
            chosen = []
        claims = [claim_from_sentence(text, passage) for text, passage in chosen]
        return Draft(status="answered" if claims else "insufficient", claims=claims)

    def _near_in_meaning(self, question: Question, chosen: list[tuple[str, Passage]]) -> bool:
        """Words alone can pick 'the aggregate rental charge' for 'where can I park my car?': an answer none
        of whose sentences is even loosely about the question is no answer. (A code's record reads little
        like the question naming it, so questions with codes are left to the words.) The question is read as
        retrieval reads it, with the documents' words for its everyday phrases: 'her allergy list is wrong and
        she wants it fixed' is about 'an amendment', which the model alone does not see."""
        assert self._similarity is not None
        closeness = self._similarity([(with_documents_wording(question.text), [text for text, _ in chosen])])[0]
        return max(closeness) >= MEANING_FLOOR


def select_for_parts(
    question: Question, passages: list[Passage], similarity: Similarity | None = None
) -> list[tuple[str, Passage]]:
    """One question: its best sentences. A question in parts ('what is X, and how soon Y?'): the best
    sentence of each part in turn, then the best of the whole question, up to MAX_PART_CLAIMS."""
    asked = [*question.parts, question]
    by_words = [rank_sentences(q, passages) for q in asked]
    rankings = rerank_by_meaning(asked, by_words, similarity) if similarity else by_words
    *part_rankings, whole_ranking = rankings
    if not question.parts:
        return select_sentences(question, whole_ranking)
    picked: list[tuple[str, Passage]] = []
    for part, ranking in zip(question.parts, part_rankings):
        picked.extend(select_sentences(part, _own_ranking(part, ranking, picked), limit=1))
    picked.extend(select_sentences(question, whole_ranking))
    return _without_repeats(picked)[: max(MAX_CLAIMS, min(len(question.parts), MAX_PART_CLAIMS))]


def _own_ranking(
    part: Question, ranking: list[ScoredSentence], picked: list[tuple[str, Passage]]
) -> list[ScoredSentence]:
    """A part whose best sentence an earlier part already brought, without any of this part's own words,
    gets its best sentence that has them: 'and is there something more specific for torsades?' is not
    answered by the deletion record the first part brought."""
    taken = {text for text, _ in picked}
    own_terms = frozenset(content_terms(part.original))
    if not ranking or not own_terms or ranking[0].text not in taken or _says_any(ranking[0], own_terms):
        return ranking
    return [s for s in ranking if s.text not in taken and _says_any(s, own_terms)]


def _says_any(sentence: ScoredSentence, terms: frozenset[str]) -> bool:
    """In its own words, not through the looser alternatives its matched terms count ('bill' is met by
    'code', which every sentence about a code's description says)."""
    return bool(sentence_terms(sentence.text) & terms)


def claim_from_sentence(sentence: str, passage: Passage) -> DraftClaim:
    text = strip_list_marker(display_form(sentence))
    return DraftClaim(text=text, passage_ids=[passage.chunk_id], quote=text)


def select_sentences(
    question: Question, ranked: list[ScoredSentence], limit: int = MAX_CLAIMS
) -> list[tuple[str, Passage]]:
    """The best sentence first (for a yes/no question, the one that decides it), then up to two more that
    score nearly as well and do not repeat one already chosen. A sentence that introduces a list brings its
    first items; one followed by a sentence referring back to it ('It lasts...') brings that sentence."""
    ranked = [s for s in ranked if not _is_label(s)]
    if not ranked:
        return []
    best = ranked[0]
    chosen: list[ScoredSentence] = [best]
    asked_records = record_codes(question.text)
    near_best = [s for s in ranked if s.score >= RELATIVE_SCORE * best.score]
    if question.asked:
        # Of the sentences nearly as good as the best, those stating the kind of fact asked are taken first.
        near_best.sort(key=lambda s: not s.has_asked_fact)
    for candidate in near_best:
        if len(chosen) >= limit:
            break
        if candidate is best:
            continue
        if question.asked and best.has_asked_fact and not candidate.has_asked_fact and not _about_codes(candidate, asked_records):
            continue
        if any(_redundant(candidate, earlier) for earlier in chosen):
            continue
        if _about_other_codes_only(candidate, asked_records):
            continue  # 'CPT code 94644 does not include any physician work RVUs' for a question on 36415
        if not candidate.matched_terms - TIME_WORDS:
            continue  # 'within 60 days after ... reply briefs' shares only 'deadline' with a question on training
        chosen.append(candidate)
    if question.asked:
        # The direct answer first: 'A complaint must be filed within 180 days ...' before the sentence on
        # what the notice says about complaints; but a sentence about the asked code before one holding a
        # number about something else ('how many units of 36415?': its rule, not the bilateral-surgery rule).
        chosen.sort(key=lambda s: (not _about_codes(s, asked_records), not s.has_asked_fact))
    picked = [
        item for s in chosen for item in (*_lead_in(s), (s.text, s.passage), *_continuation(s))
    ]
    picked = _without_repeats(picked)[:MAX_SENTENCES]
    return picked + _records_of_codes_not_yet_quoted(question, ranked, picked)


def _records_of_codes_not_yet_quoted(
    question: Question, ranked: list[ScoredSentence], picked: list[tuple[str, Passage]]
) -> list[tuple[str, Passage]]:
    """'Is it G0438 or G0439?': a question naming several codes gets the best sentence about each."""
    if len(question.codes) < 2:
        return []
    added: list[tuple[str, Passage]] = []
    for code in question.codes:
        if any(_mentions(code, text) for text, _ in picked + added):
            continue
        holder = next((s for s in ranked if _mentions(code, s.text)), None)
        if holder is not None:
            added.append((holder.text, holder.passage))
    return added


def _about_codes(sentence: ScoredSentence, codes: frozenset[str]) -> bool:
    """The sentence names one of `codes`, or refers back ('this code') to a sentence that does."""
    return bool(codes) and bool(_named_codes(sentence) & codes)


def _about_other_codes_only(sentence: ScoredSentence, codes: frozenset[str]) -> bool:
    if not codes:
        return False
    named = _named_codes(sentence)
    return bool(named) and not named & codes


def _named_codes(sentence: ScoredSentence) -> frozenset[str]:
    """The codes a sentence names, or names by referring back ('this code')."""
    return record_codes(code_context(sentence.text, sentence.passage, sentence.position))


def _mentions(code: str, text: str) -> bool:
    return code_in_text(code, extract_facts(text), text)


_ENUMERATED = re.compile(r"^\s*(?:\((?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,5})\)\s*)+")
MAX_LEAD_IN_DISTANCE = 4


def _lead_in(sentence: ScoredSentence) -> list[tuple[str, Passage]]:
    """A list item ('(B) The information pertains solely to...') is read with the sentence that introduces
    its list ('A covered entity must agree to the request ... if:')."""
    antecedent = code_antecedent(sentence.text, sentence.passage, sentence.position)
    if antecedent:
        return [(antecedent, sentence.passage)]  # 'this code' is read with the sentence naming the code
    if not _ENUMERATED.match(sentence.text):
        return []
    before = passage_sentences(sentence.passage)[max(0, sentence.position - MAX_LEAD_IN_DISTANCE) : sentence.position]
    for text in reversed(before):
        if text.rstrip().endswith(":"):
            return [(text, sentence.passage)]
    return []


def _is_label(sentence: ScoredSentence) -> bool:
    """A heading or field label ('Database Record Layout') says what follows; it answers nothing. Lines of a
    record file are whole records, never labels; nor is a short line stating the kind of fact asked ('• Fines
    up to $25,000 per violation' for 'what is the maximum fine?')."""
    if sentence.passage.document.lower().endswith((".csv", ".tsv", ".txt")) or sentence.has_asked_fact:
        return False
    text = strip_list_marker(sentence.text)
    return is_heading_like(text) and not text.rstrip().endswith(":")


_ANAPHORIC_START = re.compile(r"^\s*(it|this|that|these|those|they|such|each|both|either)\b", re.IGNORECASE)


def _continuation(sentence: ScoredSentence) -> list[tuple[str, Passage]]:
    """What a sentence needs to be read alone: the items a sentence ending in ':' introduces, or a next
    sentence that starts by referring back to it ('It lasts for 7 months.')."""
    following = passage_sentences(sentence.passage)[sentence.position + 1 : sentence.position + 1 + MAX_CONTINUATION_SENTENCES]
    if sentence.text.rstrip().endswith(":"):
        return [(text, sentence.passage) for text in following]
    if following and _ANAPHORIC_START.match(following[0]):
        return [(following[0], sentence.passage)]
    return []


def _redundant(a: ScoredSentence, b: ScoredSentence) -> bool:
    """Mostly the same words and no number of its own. Two rows of one chart share most of their words
    ('... Criminal: Up to a 5 year prison term' and '... Criminal: Fines up to $25,000'), yet each states
    its own fact."""
    if sentence_facts(a.text).numbers - sentence_facts(b.text).numbers:
        return False
    words_a = set(display_form(a.text).casefold().split())
    words_b = set(display_form(b.text).casefold().split())
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / len(words_a | words_b) >= REDUNDANT_OVERLAP


def _without_repeats(picked: list[tuple[str, Passage]]) -> list[tuple[str, Passage]]:
    seen: set[str] = set()
    out = []
    for text, passage in picked:
        key = display_form(text).casefold()
        if key not in seen:
            seen.add(key)
            out.append((text, passage))
    return out
