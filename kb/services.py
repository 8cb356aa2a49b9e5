"""The service container: builds each component once per process, on first use.

The CLI, the API and the tests all get their components here, so a model or a store is opened once.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from corpus_config.schema import CorpusConfig, load_corpus_config
from kb.errors import StoreMissing
from kb.settings import Settings, load_settings

if TYPE_CHECKING:
    from answering.backend import AnswerBackend
    from answering.meaning import SentenceSimilarity
    from answering.service import Answerer, PassageSearch
    from kb.embedding import Embedder
    from kb.keyring import KeyRing
    from retrieval.search import Retriever
    from store.encrypted import EncryptedStore


class Services:
    def __init__(self, settings: Settings | None = None, allow_create: bool = False) -> None:
        """`allow_create`: a first `kb ingest` may create the master key, key ring and store."""
        self.settings = settings or load_settings()
        self.allow_create = allow_create

    @cached_property
    def corpus(self) -> CorpusConfig:
        return load_corpus_config(self.settings.config)

    @cached_property
    def embedder(self) -> "Embedder":
        from kb.embedding import Embedder

        return Embedder(self.settings.embedding)

    @cached_property
    def keyring(self) -> "KeyRing":
        from kb.keyring import open_keyring

        return open_keyring(self.settings, create=self.allow_create)

    @cached_property
    def store(self) -> "EncryptedStore":
        from store.encrypted import open_store

        settings = self.settings
        if not self.allow_create and settings.store.backend == "embedded" and not settings.store_dir.is_dir():
            # Before the key ring: a missing store is the more useful thing to be told.
            raise StoreMissing(f"no store at {settings.store_dir}: run `kb ingest` first")
        return open_store(
            self.settings, self.keyring, dimension=self.embedder.dimension, must_exist=not self.allow_create
        )

    @cached_property
    def retriever(self) -> "Retriever":
        from retrieval.search import Retriever

        return Retriever(self.store, self.embedder, self.corpus, self.settings.retrieval)

    @cached_property
    def similarity(self) -> "SentenceSimilarity":
        """Closeness in meaning of sentences to a question, by the retrieval embedder (vectors cached)."""
        from answering.meaning import SentenceSimilarity

        return SentenceSimilarity(self.embedder)

    @cached_property
    def answer_backend(self) -> "AnswerBackend":
        from answering.service import make_backend

        return make_backend(self.settings.answer, self.similarity)

    @cached_property
    def answerer(self) -> "Answerer":
        return self.answerer_over(self.retriever)

    def answerer_over(self, retriever: "PassageSearch") -> "Answerer":
        """An answerer reading through `retriever` (the shared one, or a wrapper that records what it returned)."""
        from answering.service import Answerer

        return Answerer(
            retriever, self.corpus, self.settings.answer, backend=self.answer_backend, similarity=self.similarity
        )

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
