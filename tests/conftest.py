"""Shared fixtures. `ingested_settings` ingests the real sample corpus once per test session into a
temporary KB_HOME, with the real embedding model and the real embedded Qdrant engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.settings import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's own KB_HOME or keys."""
    for name in list(os.environ):
        if name.startswith("KB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KB_HOME", str(tmp_path / "kb-home"))


@pytest.fixture(scope="session")
def ingested_settings(tmp_path_factory) -> Settings:
    from ingest.pipeline import ingest_corpus
    from kb.services import Services

    home = tmp_path_factory.mktemp("ingested") / "kb-home"
    settings = load_settings(home=home)
    services = Services(settings, allow_create=True)
    report = ingest_corpus(services)
    services.close()
    assert not report.skipped, report.skipped
    return settings


@pytest.fixture(scope="session")
def services(ingested_settings):
    from kb.services import Services

    services = Services(ingested_settings)
    yield services
    services.close()
