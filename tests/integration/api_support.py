"""Fixtures for the API tests: a fresh Services container and app per test on a temporary KB_HOME.

The expensive engines (the embedding model and the store of the ingested sample corpus) are shared
with the session's `services`; everything the service writes (audit log, issuer key, demo users) goes
to the test's own home. Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.services import Services
from kb.settings import Settings
from serving.app import create_app

CODER_ONLY_COLLECTION = "coding_references"
CODER_ONLY_FILE = "cms_hcpcs/HCPCS_2020.csv"


def home_sharing_the_ingested_store(home: Path, ingested: Settings) -> Path:
    """A KB_HOME with its own keys folder (a copy of the ring and master key) and the ingested manifest."""
    (home / "keys").mkdir(parents=True)
    for name in ("keyring.json", "master.key"):
        shutil.copy2(ingested.keys_dir / name, home / "keys" / name)
    (home / "state").symlink_to(ingested.state_dir, target_is_directory=True)
    return home


def fresh_services(ingested: Settings, shared: Services, home: Path, **overrides: object) -> Services:
    settings = ingested.model_copy(update={"home": home, **overrides})
    services = Services(settings)
    services.embedder = shared.embedder  # type: ignore[misc]  (swap in the loaded engines)
    services.store = shared.store  # type: ignore[misc]
    return services


@pytest.fixture
def api_services(tmp_path, ingested_settings, services) -> Services:
    home = home_sharing_the_ingested_store(tmp_path / "home", ingested_settings)
    return fresh_services(ingested_settings, services, home)


@pytest.fixture
def client(api_services) -> Iterator[TestClient]:
    app = create_app(api_services, warm_up=False)
    with TestClient(app) as test_client:
        yield test_client


def bearer(client: TestClient, user: str, role: str, mfa: bool = False) -> dict[str, str]:
    token = client.app.state.kb.local_issuer.mint(user, role, mfa=mfa)
    return {"Authorization": f"Bearer {token}"}
