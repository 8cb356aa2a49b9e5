"""A real `kb serve --self-signed` on a small ingested corpus, and Debian's Chromium driven by Playwright.

Import the fixtures into a test module to use them. Screenshots go to tests/browser/screenshots/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
POLICY_SOURCES = ("10-facility_access_policy.md", "18-data_retention_policy.md", "19-employees_policy.md")
STARTUP_TIMEOUT_S = 180


@dataclass(frozen=True)
class LiveServer:
    url: str
    home: Path
    passwords: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _small_corpus(root: Path) -> Path:
    """Three of the sample policies (every role) and an empty coder-only collection; returns the config."""
    corpus = root / "corpus"
    (corpus / "policies").mkdir(parents=True)
    (corpus / "coding").mkdir()
    for name in POLICY_SOURCES:
        source = REPO_ROOT / "corpus" / "public" / "datica_hipaa_policies" / name
        (corpus / "policies" / name).write_bytes(source.read_bytes())
    config = root / "config.yaml"
    config.write_text(
        f"corpus_root: {corpus}\ncollections:\n"
        " - name: policies\n   roles: [front_desk, coder, admin]\n   sources: ['policies/*']\n"
        " - name: coding\n   roles: [coder, admin]\n   sources: ['coding/*']\n"
    )
    return config


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (/usr/bin/chromium): apt-get install chromium chromium-driver")
    root = tmp_path_factory.mktemp("browser")
    config = _small_corpus(root)
    home = root / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_HOME=str(home), KB_CONFIG=str(config), DO_NOT_TRACK="1")
    kb = [sys.executable, "-m", "kb.cli.__main__"]
    ingested = subprocess.run([*kb, "ingest", "--quiet"], env=env, capture_output=True, text=True, timeout=600)
    assert ingested.returncode == 0, ingested.stderr
    port = _free_port()
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [*kb, "serve", "--host", "127.0.0.1", "--port", str(port), "--self-signed"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"https://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process, root / "server.log")
        users = json.loads((home / "keys" / "local-users.json").read_text())
        yield LiveServer(url=url, home=home, passwords={name: entry["password"] for name, entry in users.items()})
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _wait_until_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kb serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", verify=False, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"kb serve did not become ready: {log.read_text()}")


@pytest.fixture(scope="module")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser profile per test; a screenshot named after the test is saved whatever the outcome."""
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def sign_in(page, server: LiveServer, username: str, path: str = "/ui/") -> None:
    """The real authorization-code + PKCE flow against the built-in issuer's sign-in page."""
    page.goto(server.url + path)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(server.passwords[username])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")
    page.get_by_role("button", name="Sign out").wait_for()
