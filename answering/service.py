"""`Answerer.ask`: question -> retrieve -> sufficiency gate -> draft (extractive or OpenAI-compatible) ->
verify -> answer with inline [n] markers, or a refusal that cites nothing."""

from __future__ import annotations

import logging
import re
import time
from typing import Protocol

from answering.backend import AnswerBackend
from answering.evidence import Similarity, holds_asked_fact
from answering.facts import extract_facts
from answering.gate import GateDecision, check_sufficiency
from answering.question import AskedSubject, Question, analyse_question
from answering.text import content_terms, term_alternatives
from answering.verifier import VerifiedClaim, verify_claims
from corpus_config.schema import CorpusConfig
from kb.errors import BadRequest
from kb.models import ROLES, AnswerResponse, AnswerTimings, Citation, Passage, RelatedDocument
from kb.settings import AnswerSettings

log = logging.getLogger(__name__)

RETRIEVE_K = 6
PART_RETRIEVE_K = 3
MAX_QUESTION_CHARS = 2000
MAX_RELATED = 3
# A what-question asking for no kind of fact has only its thing's name to anchor the answer: its leading
# claims must name it, not a passing mention further down ('Password means ...' as the third claim for
# 'What's the wifi password for the waiting room?'). When a kind of fact is asked, a claim must hold one.
LEADING_CLAIMS_NAMING_THE_SUBJECT = 2


class PassageSearch(Protocol):
    def search(self, query: str, role: str, k: int = 10) -> list[Passage]: ...


def make_backend(settings: AnswerSettings, similarity: Similarity | None = None) -> AnswerBackend:
    """`similarity`: lets the extractive backend rank sentences by meaning as well as by words."""
    if settings.backend == "openai":
        from answering.openai_backend import OpenAIBackend

        return OpenAIBackend(settings)
    from answering.extractive import ExtractiveBackend

    return ExtractiveBackend(similarity)


class Answerer:
    def __init__(
        self,
        retriever: PassageSearch,
        corpus: CorpusConfig,
        settings: AnswerSettings,
        backend: AnswerBackend | None = None,
        similarity: Similarity | None = None,
    ) -> None:
        """`similarity`: sentence closeness in meaning to a question, for the gate and the extractive backend."""
        self._retriever = retriever
        self._corpus = corpus
        self._similarity = similarity
        self._backend = backend or make_backend(settings, similarity)

    def ask(self, question: str, role: str) -> AnswerResponse:
        text = validate_question(question, role)
        searched = self._corpus.collections_for_role(role)
        analysed = analyse_question(text)
        if analysed.is_empty:
            return self._refusal(analysed, searched, "Nothing in it asks about the documents.", AnswerTimings())

        started = time.perf_counter()
        passages = self._retriever.search(analysed.text, role, k=RETRIEVE_K)
        timings = AnswerTimings(retrieve_ms=_ms_since(started))

        started = time.perf_counter()
        decision = check_sufficiency(analysed, passages, self._similarity)
        if decision.unanswered_part is not None:
            # One search for the whole question can miss what only one of its parts asks about.
            passages = _merged(passages, self._retriever.search(decision.unanswered_part.text, role, k=PART_RETRIEVE_K))
            decision = check_sufficiency(analysed, passages, self._similarity)
        if not decision.sufficient:
            log.info("gate refused: %s (%s)", decision.reason, decision.detail)
            timings.answer_ms = _ms_since(started)
            why = _gate_explanation(decision, analysed.original)
            return self._refusal(analysed, searched, why, timings, decision.topic_passages)

        draft = self._backend.draft(analysed, _supporting_first(decision, passages))
        verification = verify_claims(draft.claims, passages)
        for dropped in verification.dropped:
            log.info("dropped claim (%s): %s", dropped.reason, dropped.detail)
        claims = _answering_claims(analysed, verification.verified)
        timings.answer_ms = _ms_since(started)
        unnamed = unnamed_subject(analysed, claims) if claims else None
        if unnamed:
            why = f'They do not mention "{unnamed.written}".'
            return self._refusal(analysed, searched, why, timings, decision.topic_passages)
        if not claims:
            why = "" if draft.status == "answered" else "The model found no answer in them."
            return self._refusal(
                analysed, searched, why, timings, decision.topic_passages, dropped=verification.dropped_count
            )
        answer, citations = compose_answer(claims)
        return AnswerResponse(
            answer=answer,
            refused=False,
            citations=citations,
            notes=self._dated_notes(citations, passages),
            dropped_claims=verification.dropped_count,
            backend=self._backend.name,
            model=self._backend.model,
            timings=timings,
            searched=searched,
        )

    def _refusal(
        self,
        question: Question,
        searched: list[str],
        why: str,
        timings: AnswerTimings,
        topic_passages: tuple[Passage, ...] = (),
        dropped: int = 0,
    ) -> AnswerResponse:
        where = ", ".join(searched) if searched else "none"
        answer = f"The searched documents (collections: {where}) do not answer this question."
        if question.clinical:
            answer += " This service does not give clinical advice."
        elif question.unsupported_coding:
            answer += " This service does not suggest codes that the documentation does not support."
        elif why:
            answer += " " + why
        return AnswerResponse(
            answer=answer,
            refused=True,
            citations=[],
            dropped_claims=dropped,
            backend=self._backend.name,
            model=self._backend.model,
            timings=timings,
            related=related_documents(topic_passages),
            searched=searched,
        )

    def _dated_notes(self, citations: list[Citation], passages: list[Passage]) -> list[str]:
        notes: list[str] = []
        by_document = {p.document: p for p in passages}
        for citation in citations:
            passage = by_document.get(citation.document)
            note = passage.dated_note if passage and passage.dated_note else None
            declared = self._corpus.documents.get(citation.document)
            note = note or (declared.dated if declared else None)
            if note and f"Source dated: {note}" not in notes:
                notes.append(f"Source dated: {note}")
        return notes


def validate_question(question: str | None, role: str | None) -> str:
    if not role:
        raise BadRequest("no role given: every question needs the asker's role")
    if role not in ROLES:
        raise BadRequest(f"unknown role {role!r}; known roles: {', '.join(ROLES)}")
    text = (question or "").strip()
    if not text:
        raise BadRequest("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadRequest(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return text


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _merged(passages: list[Passage], more: list[Passage]) -> list[Passage]:
    seen = {p.chunk_id for p in passages}
    return passages + [p for p in more if p.chunk_id not in seen]


def _supporting_first(decision: GateDecision, passages: list[Passage]) -> list[Passage]:
    """The passages holding the best sentences lead, so a model with a short context sees them."""
    lead = list(decision.topic_passages)
    lead_ids = {p.chunk_id for p in lead}
    return lead + [p for p in passages if p.chunk_id not in lead_ids]


def _answering_claims(question: Question, verified: list[VerifiedClaim]) -> list[VerifiedClaim]:
    """Verified claims without repeats; when a kind of fact was asked, at least one claim must hold it,
    otherwise nothing is answered."""
    unique: list[VerifiedClaim] = []
    seen: set[str] = set()
    for claim in verified:
        key = claim.text.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(claim)
    for part in question.all_parts:
        if part.asked and not any(
            holds_asked_fact(c.text, extract_facts(c.text), part.asked, part.deadline, part.named_years)
            for c in unique
        ):
            return []
    return unique


def unnamed_subject(question: Question, claims: list[VerifiedClaim]) -> AskedSubject | None:
    """The asked thing, when no claim, nor the title or section of a passage it quotes, names it in the
    asker's words or the documents' ('patient' or 'individual'): 'the interior office common space ... such
    as waiting rooms' for 'What's the wifi password for the waiting room?'. A question naming a code is
    exempt: a code's record rarely repeats the question's words for it ('the official descriptor for
    modifier XE'). A yes/no question is about the whole thing ('Do we offer dental insurance?' is not
    answered by a sentence on health insurance); a what-question may name it in part ('the calendar-year
    cap' is 'the total amount ... in a calendar year')."""
    if question.subject is None or question.codes:
        return None
    said = {
        term
        for claim in (claims if question.yes_no or question.asked else claims[:LEADING_CLAIMS_NAMING_THE_SUBJECT])
        for text in (claim.text, *(f"{p.title} {p.section or ''}" for p in claim.passages))
        for term in content_terms(text)
    }
    named_enough = all if question.yes_no else any
    return None if named_enough(term_alternatives(term) & said for term in question.subject.terms) else question.subject


def compose_answer(claims: list[VerifiedClaim]) -> tuple[str, list[Citation]]:
    """Claims in order, each followed by its markers; markers numbered in order of first citation."""
    citations: list[Citation] = []
    markers: dict[tuple[str, str], int] = {}
    sentences = []
    for claim in claims:
        numbers = []
        for passage in claim.passages:
            key = (passage.chunk_id, claim.quote)
            if key not in markers:
                markers[key] = len(markers) + 1
                citations.append(
                    Citation(
                        marker=markers[key],
                        document=passage.document,
                        page=passage.page,
                        section=passage.section,
                        quote=claim.quote,
                        collection=passage.collection,
                        title=passage.title,
                        chunk_id=passage.chunk_id,
                    )
                )
            numbers.append(markers[key])
        sentences.append(with_markers(claim.text, numbers))
    return " ".join(sentences), citations


def with_markers(text: str, markers: list[int]) -> str:
    tags = "".join(f"[{m}]" for m in markers)
    body = re.sub(r"[\s,;:]+$", "", text)
    ending = ""
    if body.endswith((".", "?", "!")):
        body, ending = body[:-1], body[-1]
    return f"{body} {tags}{ending or '.'}"


def related_documents(passages: tuple[Passage, ...]) -> list[RelatedDocument]:
    related: dict[str, RelatedDocument] = {}
    for passage in passages:
        if passage.document not in related and len(related) < MAX_RELATED:
            related[passage.document] = RelatedDocument(document=passage.document, title=passage.title, page=passage.page)
    return list(related.values())


def _gate_explanation(decision: GateDecision, question: str) -> str:
    if decision.reason == "specific_term_missing":
        names = ", ".join(dict.fromkeys(as_written(t.value, question) for t in decision.missing))
        if all(t.kind == "name" for t in decision.missing):
            return f"They do not mention {names}."
        # A code, year or number is looked for where the documents discuss the question, not anywhere.
        return f"Where they discuss this, they do not mention {names}."
    if decision.reason == "asked_fact_missing":
        return "They discuss the topic but do not state what was asked."
    if decision.reason == "no_question":
        return "Nothing in it asks about the documents."
    if decision.reason == "practice_records":
        return "They hold rules, guidance and policy templates, not the practice's own records."
    return ""


def as_written(term: str, question: str) -> str:
    """A term as the asker wrote it: the whole word of the question holding it ('U07.1', not 'U07'), so a
    refusal never shows a number cut out of the question."""
    squeezed = term.casefold().replace(".", "")
    for word in question.split():
        bare = word.strip("?!,;:()[]{}\"'").rstrip(".")
        if squeezed and squeezed in bare.casefold().replace(".", "") and re.fullmatch(r"[\w./-]+", bare):
            return bare
    return term
