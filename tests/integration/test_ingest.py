"""Incremental, atomic ingest on real files, the real embedding model and the real embedded engine."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.chunking import document_id
from ingest.pipeline import ingest_corpus
from kb.errors import KeyringError
from kb.keyring import encode_key, generate_key
from kb.services import Services
from kb.settings import load_settings

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "public"
SMALL_FILES = [
    "datica_hipaa_policies/18-data_retention_policy.md",
    "datica_hipaa_policies/14-disposable_media_policy.md",
    "hhs_oig/roadmap_05compliance.html",
    "hhs_oig/HandoutExclusionTips508.pdf",
]


@pytest.fixture
def small_corpus(tmp_path):
    root = tmp_path / "corpus"
    for relative in SMALL_FILES:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / relative, root / relative)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"corpus_root: {root}\ncollections:\n - name: policies\n   roles: [front_desk, coder, admin]\n"
        "   sources: ['datica_hipaa_policies/*']\n - name: oig\n   roles: [coder, admin]\n   sources: ['hhs_oig/*']\n"
    )
    return root, config


def services_for(tmp_path, config, **overrides) -> Services:
    return Services(load_settings(home=tmp_path / "home", config=config, **overrides), allow_create=True)


def test_unchanged_corpus_embeds_nothing_on_rerun(tmp_path, small_corpus):
    _, config = small_corpus
    services = services_for(tmp_path, config)
    first = ingest_corpus(services)
    second = ingest_corpus(services)
    assert len(first.added) == 4 and first.chunks_written > 0
    assert second.chunks_written == 0 and len(second.unchanged) == 4 and second.stages.embed == 0
    assert second.chunks_total == first.chunks_total


def test_changed_file_has_its_chunks_replaced_without_duplicates(tmp_path, small_corpus):
    root, config = small_corpus
    services = services_for(tmp_path, config)
    ingest_corpus(services)
    policy = root / SMALL_FILES[0]
    policy.write_text("# 18. Data Retention Policy\n\nRecords are kept for exactly eleven years in the vault.\n")
    report = ingest_corpus(services)
    assert report.changed == [SMALL_FILES[0]]
    texts = [c.text for c in services.store.iter_document(document_id(SMALL_FILES[0]))]
    assert len(texts) == services.store.count(document_id(SMALL_FILES[0]))
    assert any("eleven years" in t for t in texts) and not any("$25/month" in t for t in texts)


def test_removed_file_has_all_its_points_purged(tmp_path, small_corpus):
    root, config = small_corpus
    services = services_for(tmp_path, config)
    ingest_corpus(services)
    doc = document_id(SMALL_FILES[1])
    assert services.store.count(doc) > 0
    (root / SMALL_FILES[1]).unlink()
    report = ingest_corpus(services)
    assert report.removed == [SMALL_FILES[1]] and services.store.count(doc) == 0


def test_bad_files_are_skipped_with_reasons_and_the_rest_is_ingested(tmp_path, small_corpus):
    root, config = small_corpus
    (root / "datica_hipaa_policies" / "empty.md").write_bytes(b"")
    (root / "hhs_oig" / "fake.pdf").write_bytes(os.urandom(4096))
    (root / "hhs_oig" / "cut.pdf").write_bytes((CORPUS / SMALL_FILES[3]).read_bytes()[:3000])
    report = ingest_corpus(services_for(tmp_path, config))
    reasons = {s.document: s.reason for s in report.skipped}
    assert set(reasons) == {"datica_hipaa_policies/empty.md", "hhs_oig/fake.pdf", "hhs_oig/cut.pdf"}
    assert all(reasons.values()) and len(report.added) == 4


def test_wrong_master_key_fails_closed_and_writes_nothing(tmp_path, small_corpus):
    _, config = small_corpus
    ingest_corpus(services_for(tmp_path, config))
    home = tmp_path / "home"
    before = {p: p.stat().st_mtime_ns for p in home.rglob("*") if p.is_file()}
    with pytest.raises(KeyringError, match="wrong key"):
        ingest_corpus(services_for(tmp_path, config, master_key=encode_key(generate_key())))
    assert {p: p.stat().st_mtime_ns for p in home.rglob("*") if p.is_file()} == before


def test_run_killed_mid_ingest_leaves_consistent_store_and_next_run_completes(tmp_path, small_corpus):
    root, config = small_corpus
    for relative in ("hhs_oig/physician.pdf", "hhs_oig/fraudalert.pdf"):
        shutil.copy(CORPUS / relative, root / relative)
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_HOME=str(home), KB_CONFIG=str(config))
    child = subprocess.Popen([sys.executable, "-m", "kb.cli.__main__", "ingest", "--quiet"], env=env)
    manifest = home / "state" / "manifest.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not manifest.exists():
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()

    from ingest.pipeline import list_documents

    services = services_for(tmp_path, config)
    done_before = {s.document for s in list_documents(services)}
    assert 0 < len(done_before) < 6
    for status in list_documents(services):
        assert services.store.count(status.doc_id, state="live") == status.chunks
    report = ingest_corpus(services)
    assert sorted(report.unchanged) == sorted(done_before)
    assert not report.skipped and len(report.added) + len(report.unchanged) == 6
    for status in list_documents(services):
        assert services.store.count(status.doc_id) == status.chunks
