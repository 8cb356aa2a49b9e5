"""Answering for the API: the same Answerer as `kb ask`, plus a record of what it retrieved for the audit log."""

from __future__ import annotations

import threading
from contextvars import ContextVar
from dataclasses import dataclass

from answering.service import Answerer, PassageSearch
from kb.models import AnswerResponse, Passage
from kb.services import Services
from serving.metrics import ServingMetrics

_retrieved_in_this_request: ContextVar[list[Passage] | None] = ContextVar("kb_retrieved", default=None)


class RetrievalRecorder:
    """Passes searches through unchanged (role and all) and keeps what they returned for the audit record."""

    def __init__(self, retriever: PassageSearch) -> None:
        self._retriever = retriever

    def search(self, query: str, role: str, k: int = 10) -> list[Passage]:
        passages = self._retriever.search(query, role, k)
        seen = _retrieved_in_this_request.get()
        if seen is not None:
            seen.extend(passages)
        return passages


@dataclass(frozen=True)
class AskResult:
    answer: AnswerResponse
    retrieved: list[Passage]

    def cited_passages(self) -> list[Passage]:
        """The retrieved passages the citations point into, in marker order, each once."""
        by_id = {p.chunk_id: p for p in self.retrieved}
        ordered: dict[str, Passage] = {}
        for citation in self.answer.citations:
            passage = by_id.get(citation.chunk_id)
            if passage is not None:
                ordered.setdefault(passage.chunk_id, passage)
        return list(ordered.values())


class AskService:
    def __init__(self, services: Services, metrics: ServingMetrics) -> None:
        self._services = services
        self._metrics = metrics
        self._lock = threading.Lock()
        self._answerer: Answerer | None = None

    def _get_answerer(self) -> Answerer:
        # Built on first use (the store and model load then, once), around the shared retriever.
        with self._lock:
            if self._answerer is None:
                services = self._services
                recorder = RetrievalRecorder(services.retriever)
                self._answerer = services.answerer_over(recorder)
            return self._answerer

    def ask(self, question: str, role: str) -> AskResult:
        """Blocking (embedding, model call): run it in a worker thread."""
        answerer = self._get_answerer()
        token = _retrieved_in_this_request.set([])
        try:
            answer = answerer.ask(question, role)
            retrieved = list(_retrieved_in_this_request.get() or [])
        finally:
            _retrieved_in_this_request.reset(token)
        self._metrics.answers.inc()
        if answer.refused:
            self._metrics.refusals.inc()
        self._metrics.dropped_claims.inc(answer.dropped_claims)
        return AskResult(answer=answer, retrieved=retrieved)
