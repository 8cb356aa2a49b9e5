"""Shared fixtures. `ingested_settings` gives each test session its own KB_HOME holding the real sample
corpus, ingested with the real embedding model into the real embedded Qdrant engine.

The full ingest takes minutes on two cores, so its result is kept in `.kb-test-cache/`, under a
fingerprint of every source file that shapes the index and of the corpus. A change to any of them makes
a fresh ingest; otherwise the session copies the cached home and runs the (incremental) ingest on the
copy, which must then embed nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from kb.settings import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_CACHE = REPO_ROOT / ".kb-test-cache"
INDEX_SHAPING_SOURCES = ("ingest", "store", "corpus_config", "corpus", "kb/embedding.py", "kb/codes.py", "kb/keyring.py", "kb/models.py")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's own KB_HOME or keys."""
    for name in list(os.environ):
        if name.startswith("KB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KB_HOME", str(tmp_path / "kb-home"))


def index_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INDEX_SHAPING_SOURCES:
        root = REPO_ROOT / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(REPO_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_ingested_home() -> Path:
    """Build the cache in a private folder and rename it into place, so that concurrent test sessions
    never see (or delete) a half-built store; stale fingerprints are removed only after."""
    from ingest.pipeline import ingest_corpus
    from kb.services import Services

    fingerprint = index_fingerprint()
    ready = TEST_CACHE / fingerprint
    if not (ready / "kb-home" / "state" / "complete").exists():
        building = TEST_CACHE / f".building-{fingerprint}-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        services = Services(load_settings(home=building / "kb-home"), allow_create=True)
        try:
            report = ingest_corpus(services)
        finally:
            services.close()
        assert not report.skipped, report.skipped
        (building / "kb-home" / "state" / "complete").write_text(f"{report.chunks_total} chunks\n")
        try:
            building.rename(ready)
        except OSError:  # another session finished first; its copy is as good as ours
            shutil.rmtree(building, ignore_errors=True)
    for stale in TEST_CACHE.iterdir():
        if stale.name != fingerprint and not stale.name.startswith(".building-"):
            shutil.rmtree(stale, ignore_errors=True)
    return ready / "kb-home"


@pytest.fixture(scope="session")
def ingested_settings(tmp_path_factory) -> Settings:
    from ingest.pipeline import ingest_corpus
    from kb.services import Services

    home = tmp_path_factory.mktemp("ingested") / "kb-home"
    shutil.copytree(cached_ingested_home(), home)
    settings = load_settings(home=home)
    services = Services(settings)
    try:
        report = ingest_corpus(services)
    finally:
        services.close()
    assert report.chunks_written == 0 and not report.skipped, "the cached test store was not current"
    return settings


@pytest.fixture(scope="session")
def services(ingested_settings):
    from kb.services import Services

    services = Services(ingested_settings)
    yield services
    services.close()


@pytest.fixture
def private_copy_settings(ingested_settings, tmp_path) -> Settings:
    """A throwaway copy of the ingested store, for a second process or CLI run (the embedded engine
    locks its directory) and for tests that change the store."""
    home = tmp_path / "kb-home-copy"
    shutil.copytree(ingested_settings.home, home)
    return load_settings(home=home)
