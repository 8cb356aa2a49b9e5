"""Proof that ingest and ask talk to nothing but the configured services."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent.parent / "support"
REPO_ROOT = SUPPORT.parent.parent


def run_recorded(args: list[str], env_extra: dict[str, str], log: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "DO_NOT_TRACK", "HF_"))}
    env.update(env_extra)
    env["KB_TEST_CONNECTION_LOG"] = str(log)
    env["PYTHONPATH"] = os.pathsep.join([str(SUPPORT), str(REPO_ROOT)])
    return subprocess.run(
        [sys.executable, "-m", "kb.cli.__main__", *args], env=env, capture_output=True, text=True, timeout=900
    )


def outward_events(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [line for line in log.read_text().splitlines() if " AF_UNIX " not in line]


def test_ingest_search_and_ask_make_no_network_connection(tmp_path):
    home = tmp_path / "home"
    small_corpus = tmp_path / "corpus"
    (small_corpus / "policies").mkdir(parents=True)
    public = REPO_ROOT / "corpus" / "public"
    one_file_per_parser = (
        "datica_hipaa_policies/18-data_retention_policy.md",
        "hhs_oig/Compliance101tips508.pdf",
        "hhs_oig/hotline_complaint_submission_form.docx",
        "hhs_oig/roadmap_05compliance.html",
        "hhs_oig/LEIE_Record_Layout.doc",
    )
    for relative in one_file_per_parser:
        source = public / relative
        (small_corpus / "policies" / source.name).write_bytes(source.read_bytes())
    hcpcs_head = (public / "cms_hcpcs/HCPCS_2020.csv").read_text(encoding="utf-8-sig").splitlines()[:40]
    (small_corpus / "policies" / "codes.csv").write_text("\n".join(hcpcs_head) + "\n")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"corpus_root: {small_corpus}\ncollections:\n - name: policies\n   roles: [front_desk, coder, admin]\n"
        "   sources: ['policies/*']\n"
    )
    env = {"KB_HOME": str(home), "KB_CONFIG": str(config)}
    log = tmp_path / "connections.log"
    for args in (["ingest", "--quiet"], ["search", "--json", "data retention"], ["ask", "--json", "how long is data kept?"]):
        result = run_recorded(args, env, log)
        assert result.returncode == 0, result.stderr
    assert outward_events(log) == []


def test_openai_backend_connects_only_to_the_configured_model_server(tmp_path, private_copy_settings):
    ingested_settings = private_copy_settings
    log = tmp_path / "connections.log"
    env = {
        "KB_HOME": str(ingested_settings.home),
        "KB_ANSWER__BACKEND": "openai",
        "KB_ANSWER__BASE_URL": "http://127.0.0.1:9/v1",
        "KB_ANSWER__TIMEOUT_S": "3",
        "KB_ANSWER__MAX_RETRIES": "0",
    }
    result = run_recorded(["ask", "--json", "How long do we have to answer a records request?"], env, log)
    assert result.returncode == 1 and "Error:" in result.stderr
    events = outward_events(log)
    assert events, "the model server was never contacted"
    assert all("127.0.0.1" in line and "9" in line for line in events), events


def test_recorder_sees_an_outward_connection_attempt(tmp_path):
    """Guards the guard: a connection attempt made by the child is recorded."""
    log = tmp_path / "connections.log"
    env = os.environ.copy()
    env["KB_TEST_CONNECTION_LOG"] = str(log)
    env["PYTHONPATH"] = str(SUPPORT)
    code = "import socket\ntry:\n socket.create_connection(('127.0.0.1', 9), timeout=1)\nexcept OSError:\n pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=30)
    assert any("127.0.0.1" in line for line in outward_events(log))
