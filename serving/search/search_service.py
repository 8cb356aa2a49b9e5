"""Search for the API: the retriever, with the asker's role passed into the store query."""

from __future__ import annotations

from pydantic import BaseModel

from kb.models import Passage
from kb.services import Services


class SearchHit(BaseModel):
    """One passage, exactly the fields of `kb search --json`."""

    document: str
    page: int | None
    section: str | None
    text: str
    score: float
    collection: str


class SearchResults(BaseModel):
    results: list[SearchHit]


class SearchService:
    def __init__(self, services: Services) -> None:
        self._services = services

    def search(self, question: str, role: str, k: int) -> list[Passage]:
        """Blocking (embedding, store query): run it in a worker thread."""
        return self._services.retriever.search(question, role, k)


def search_results(passages: list[Passage]) -> SearchResults:
    fields = set(SearchHit.model_fields)
    return SearchResults(results=[SearchHit(**p.model_dump(include=fields)) for p in passages])
