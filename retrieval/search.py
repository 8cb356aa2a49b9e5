"""Hybrid retrieval: one store query fuses dense, sparse and exact-code results, restricted to the
asker's collections inside that query; then exact code records first, optional reranking, and
neighbour expansion so the answer sentence is inside the passage.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from corpus_config.schema import CorpusConfig
from kb.codes import as_typed_in_documents, find_codes, plausible_modifier
from kb.embedding import Embedder
from kb.errors import BadRequest
from kb.models import ROLES, Passage
from kb.settings import RetrievalSettings
from kb.vocabulary import with_documents_wording
from retrieval.definitions import defined_terms, defines, definition_query
from retrieval.rerank import Reranker, load_reranker
from store.encrypted import EncryptedStore, StoredChunk

MAX_QUERY_CHARS = 2000
MAX_K = 50
NEIGHBOUR_RADIUS = 1
DEFINITION_HITS = 3
DEFINITION_POOL = 20  # hits of the '<term> means' search read for the term's own definition
BARE_LABEL = re.compile(r"(?<![\w/-])(?=\w*[A-Z])[A-Z0-9]{2}(?![\w/-])")  # "GA", not "ICD-10-CM" or "ME/CFS"


@dataclass
class SearchTimings:
    embed_ms: float = 0.0
    query_ms: float = 0.0
    expand_ms: float = 0.0


def validate_query(query: str | None, role: str | None, k: int) -> str:
    if role is None or role == "":
        raise BadRequest("no role given: every search needs the asker's role")
    if role not in ROLES:
        raise BadRequest(f"unknown role {role!r}; known roles: {', '.join(ROLES)}")
    text = (query or "").strip()
    if not text:
        raise BadRequest("the question is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"the question is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    if not 1 <= k <= MAX_K:
        raise BadRequest(f"k must be between 1 and {MAX_K}, got {k}")
    return text


class Retriever:
    def __init__(
        self,
        store: EncryptedStore,
        embedder: Embedder,
        corpus: CorpusConfig,
        settings: RetrievalSettings,
        reranker: Reranker | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._corpus = corpus
        self._settings = settings
        self._reranker = reranker if reranker is not None else load_reranker(settings.reranker_path)
        self.last_timings = SearchTimings()

    def collections_for(self, role: str) -> list[str]:
        return self._corpus.collections_for_role(role)

    def search(self, query: str, role: str, k: int = 5) -> list[Passage]:
        text = as_typed_in_documents(validate_query(query, role, k))
        collections = self.collections_for(role)
        if not collections:
            return []
        timings = SearchTimings()
        searched = with_documents_wording(text)
        asked_terms = defined_terms(text)
        definition_queries = [definition_query(term) for term in asked_terms]
        started = time.perf_counter()
        # One batch for the question and its terms' definition searches: two texts cost far less together.
        vector, *definition_vectors = self._embedder.embed([searched, *definition_queries])
        timings.embed_ms = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        codes = [code.value for code in find_codes(text)]
        pool = max(k * 3, 15) if self._reranker else k * 2
        hits = self._store.search(vector, searched, collections, pool, self._settings.candidates, codes)
        if self._reranker:
            hits = self._reranker.rerank(text, hits)
        records = self._store.code_records(codes + bare_code_labels(text, codes), collections)
        hits = code_records_first(records, hits)
        # The first term's definition ends up first.
        for term, term_query, term_vector in reversed(list(zip(asked_terms, definition_queries, definition_vectors))):
            hits = with_definition(hits, self._definition_hits(term, term_query, term_vector, collections))
        timings.query_ms = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        passages = self._expand(drop_overlapping(hits)[:k], collections)
        timings.expand_ms = (time.perf_counter() - started) * 1000
        self.last_timings = timings
        return passages

    def _definition_hits(self, term: str, query: str, vector: np.ndarray, collections: list[str]) -> list[StoredChunk]:
        hits = self._store.search(vector, query, collections, DEFINITION_POOL, self._settings.candidates, [])
        return [hit for hit in hits if defines(term, hit.text)][:DEFINITION_HITS]

    def _expand(self, hits: list[StoredChunk], collections: list[str]) -> list[Passage]:
        return [to_passage(hit, self._neighbours(hit, collections), self._publisher(hit.meta.document)) for hit in hits]

    def _publisher(self, document: str) -> str:
        """From the corpus config as it is now, so naming a publisher needs no reindex."""
        declared = self._corpus.documents.get(document)
        return (declared.publisher or "") if declared else ""

    def _neighbours(self, hit: StoredChunk, collections: list[str]) -> list[str]:
        """The texts of the hit and its neighbours in its section; one chunk further on each side is read
        too, for the rest of a sentence that a chunk boundary cuts."""
        position = hit.meta.position
        reach = NEIGHBOUR_RADIUS + 1
        wanted = [p for p in range(position - reach, position + reach + 1) if p >= 0]
        fetched = self._store.neighbours(hit.meta.doc_id, wanted, collections)
        around = [c for c in fetched if same_section(c, hit, across_pages=True)]
        window = [c for c in around if abs(c.meta.position - position) <= NEIGHBOUR_RADIUS and same_section(c, hit)]
        if not window:
            return [hit.text]
        before = next((c.text for c in around if c.meta.position == window[0].meta.position - 1), None)
        after = next((c.text for c in around if c.meta.position == window[-1].meta.position + 1), None)
        return whole_sentences([c.text for c in window], before, after)


def same_section(candidate: StoredChunk, hit: StoredChunk, across_pages: bool = False) -> bool:
    if candidate.meta.position == hit.meta.position:
        return True
    if hit.meta.section is None:
        return candidate.meta.section is None and (across_pages or candidate.meta.page == hit.meta.page)
    return candidate.meta.section == hit.meta.section


MAX_CARRIED_CHARS = 400
_ENDS_A_SENTENCE = re.compile(r"[.!?:;)\]\"'”’]\s*$")
_FIRST_SENTENCE_END = re.compile(r"[.!?;:](?=[\"')\]”’]?(?:\s|$))|\n\s*\n")
_LAST_SENTENCE_END = re.compile(r"(?:[.!?;:][\"')\]”’]?\s+|\n\s*\n)(?=\S)")


def whole_sentences(texts: list[str], before: str | None, after: str | None) -> list[str]:
    """Chunk texts that neither open nor close mid-sentence: a page or size boundary that cuts a sentence
    ('A covered entity must retain the documentation' | 'required by paragraph (j)(1) ... for six years')
    is healed from the chunk beyond, taking only the cut sentence's other part."""
    texts = list(texts)
    if after and _cut_between(texts[-1], after):
        end = _FIRST_SENTENCE_END.search(after)
        if end and end.end() <= MAX_CARRIED_CHARS:
            texts.append(after[: end.end()].rstrip())
    if before and _cut_between(before, texts[0]):
        starts = [m.end() for m in _LAST_SENTENCE_END.finditer(before)]
        if starts and len(before) - starts[-1] <= MAX_CARRIED_CHARS:
            texts.insert(0, before[starts[-1]:].strip())
    return texts


def _cut_between(earlier: str, later: str) -> bool:
    later = later.lstrip()
    return bool(earlier.strip()) and not _ENDS_A_SENTENCE.search(earlier) and later[:1].islower()


def bare_code_labels(text: str, known: list[str]) -> list[str]:
    """Upper-case two-character tokens typed on their own ("what does GA mean?"): they may name a modifier
    record. Only a record labelled exactly so is taken, so an ordinary word costs nothing."""
    labels = [token for token in BARE_LABEL.findall(text) if plausible_modifier(token) and token not in known]
    return list(dict.fromkeys(labels))


def with_definition(hits: list[StoredChunk], definition_hits: list[StoredChunk]) -> list[StoredChunk]:
    """The best definition hit that does not already lead joins right after the best hit; if the question's
    own search found it lower down, it moves up."""
    leading = {hit.meta.chunk_id for hit in hits[:2]}
    new = next((d for d in definition_hits if d.meta.chunk_id not in leading), None)
    if new is None or not hits:
        return hits
    rest = [hit for hit in hits[1:] if hit.meta.chunk_id != new.meta.chunk_id]
    new.score = rest[0].score if rest else hits[0].score  # its own score is from another query
    return [hits[0], new, *rest]


def code_records_first(records: list[StoredChunk], hits: list[StoredChunk]) -> list[StoredChunk]:
    """The asked codes' own records lead, scored as the best hit; the fused order follows."""
    if not records:
        return hits
    top = max((hit.score for hit in hits), default=1.0)
    ids = {record.meta.chunk_id for record in records}
    for record in records:
        record.score = top
    return records + [hit for hit in hits if hit.meta.chunk_id not in ids]


def drop_overlapping(hits: list[StoredChunk]) -> list[StoredChunk]:
    """Keep the best of adjacent chunks of one section: after expansion they would show the same text."""
    kept: list[StoredChunk] = []
    for hit in hits:
        if not any(
            k.meta.doc_id == hit.meta.doc_id
            and abs(k.meta.position - hit.meta.position) <= NEIGHBOUR_RADIUS
            and same_section(hit, k)
            for k in kept
        ):
            kept.append(hit)
    return kept


def to_passage(hit: StoredChunk, texts: list[str] | None = None, publisher: str = "") -> Passage:
    pieces = texts or [hit.text]
    return Passage(
        chunk_id=hit.meta.chunk_id,
        document=hit.meta.document,
        page=hit.meta.page,
        section=hit.meta.section,
        text="\n".join(pieces),
        score=round(hit.score, 4),
        collection=hit.meta.collection,
        title=hit.meta.title,
        publisher=publisher,
        dated_note=hit.meta.dated_note,
        effective_date=hit.meta.effective_date,
    )
