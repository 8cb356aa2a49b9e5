"""The API on the ingested sample corpus: same objects as the CLI, audited, admin curation, probes, schema."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.models import AnswerResponse
from kb.services import Services
from serving.app import create_app
from tests.integration.api_support import (  # noqa: F401  (fixtures)
    CODER_ONLY_FILE,
    api_services,
    bearer,
    client,
)

pytestmark = pytest.mark.integration

# Answered with citations by the extractive default on the sample corpus (internal_policies, front desk).
ANSWERED_QUESTION = "I think I lost my office key. Who do I tell, and how soon will the locks get changed?"
OFF_TOPIC_QUESTION = "What is the best recipe for sourdough bread?"


def audit_record(client: TestClient, request_id: str) -> dict:
    page = client.get("/v1/audit", headers=bearer(client, "auditor", "admin")).json()
    return next(r for r in page["records"] if r["request_id"] == request_id)


# ---- search and ask -----------------------------------------------------------------------------------------------
def test_search_returns_the_cli_object(client, api_services):
    response = client.post("/v1/search", json={"question": "modifier GA", "k": 5}, headers=bearer(client, "c", "coder"))
    assert response.status_code == 200
    fields = {"document", "page", "section", "text", "score", "collection"}
    expected = {"results": [p.model_dump(include=fields) for p in api_services.retriever.search("modifier GA", "coder", 5)]}
    assert response.json() == expected
    assert response.json()["results"], "the sample corpus answers this"


def test_ask_returns_the_cli_object_with_verified_citations(client):
    response = client.post("/v1/ask", json={"question": ANSWERED_QUESTION}, headers=bearer(client, "f", "front_desk"))
    assert response.status_code == 200
    answer = AnswerResponse.model_validate(response.json())
    assert set(response.json()) == set(AnswerResponse.model_fields)
    assert not answer.refused and answer.citations
    assert all(f"[{c.marker}]" in answer.answer for c in answer.citations)


def test_ask_can_include_the_cited_passages(client):
    response = client.post(
        "/v1/ask",
        json={"question": ANSWERED_QUESTION, "include_passages": True},
        headers=bearer(client, "f", "front_desk"),
    )
    body = response.json()
    by_chunk = {p["chunk_id"]: p for p in body["passages"]}
    for citation in body["citations"]:
        passage = by_chunk[citation["chunk_id"]]
        assert " ".join(citation["quote"].split()) in " ".join(passage["text"].split())


def test_a_question_the_documents_do_not_answer_is_refused(client):
    response = client.post("/v1/ask", json={"question": OFF_TOPIC_QUESTION}, headers=bearer(client, "f", "front_desk"))
    body = response.json()
    assert response.status_code == 200 and body["refused"] is True and body["citations"] == []


# ---- audit -----------------------------------------------------------------------------------------------------------
def test_every_answer_leaves_an_audit_record(client):
    response = client.post("/v1/ask", json={"question": ANSWERED_QUESTION, "include_passages": True},
                           headers=bearer(client, "frank", "front_desk"))
    request_id = response.headers["x-request-id"]
    record = audit_record(client, request_id)

    assert record["user"] == "frank" and record["role"] == "front_desk" and record["action"] == "ask"
    assert record["question"] == ANSWERED_QUESTION and record["status"] == 200 and record["latency_ms"] > 0
    assert record["client"] and record["refused"] is False and record["backend"] == "extractive"
    assert record["cited"] == sorted({c["document"] for c in response.json()["citations"]})
    retrieved = {r["chunk_id"]: r["sha256"] for r in record["retrieved"]}
    for passage in response.json()["passages"]:
        assert retrieved[passage["chunk_id"]] == hashlib.sha256(passage["text"].encode()).hexdigest()


def test_feedback_is_kept_with_the_answer_record(client):
    asked = client.post("/v1/ask", json={"question": ANSWERED_QUESTION}, headers=bearer(client, "frank", "front_desk"))
    request_id = asked.headers["x-request-id"]
    given = client.post(
        "/v1/feedback",
        json={"request_id": request_id, "rating": "wrong_citation", "comment": "page is off by one"},
        headers=bearer(client, "frank", "front_desk"),
    )
    assert given.status_code == 201 and given.json() == {"recorded": True, "request_id": request_id}

    queue = client.get("/v1/audit", params={"with_feedback": "true"}, headers=bearer(client, "a", "admin")).json()
    assert [r["request_id"] for r in queue["records"]] == [request_id]
    assert queue["records"][0]["feedback_received"][0]["rating"] == "wrong_citation"


def test_audit_filters_and_chain_verification(client):
    client.post("/v1/search", json={"question": "breach notification"}, headers=bearer(client, "sam", "front_desk"))
    client.post("/v1/ask", json={"question": OFF_TOPIC_QUESTION}, headers=bearer(client, "ria", "coder"))
    admin = bearer(client, "a", "admin")

    by_user = client.get("/v1/audit", params={"user": "sam"}, headers=admin).json()["records"]
    assert [r["action"] for r in by_user] == ["search"]
    refused = client.get("/v1/audit", params={"refused": "true"}, headers=admin).json()["records"]
    assert [r["user"] for r in refused] == ["ria"]
    verified = client.get("/v1/audit/verify", headers=admin).json()
    assert verified["ok"] is True and verified["records"] >= 4


def test_audit_log_on_disk_holds_no_question_text(client, api_services):
    client.post("/v1/ask", json={"question": "Can Zebulon Quackenbush get his chart?"}, headers=bearer(client, "f", "front_desk"))
    files = [p for p in api_services.settings.audit_dir.rglob("*") if p.is_file()]
    assert files and not any(b"Quackenbush" in p.read_bytes() for p in files)


def test_a_request_that_cannot_be_audited_fails_closed(api_services):
    audit_dir = api_services.settings.audit_dir
    audit_dir.parent.mkdir(parents=True, exist_ok=True)
    audit_dir.write_text("not a directory")  # every append now fails
    with TestClient(create_app(api_services, warm_up=False)) as failing:
        response = failing.post("/v1/search", json={"question": "modifier GA"}, headers=bearer(failing, "c", "coder"))
        assert response.status_code == 503
        assert response.json()["error"] == "audit_write_error" and "results" not in response.json()
        assert "kb_audit_write_failures_total 1.0" in failing.get("/metrics").text


# ---- documents ------------------------------------------------------------------------------------------------------
def test_admin_lists_the_ingested_documents(client):
    body = client.get("/v1/documents", headers=bearer(client, "a", "admin")).json()
    documents = {d["document"]: d for d in body["documents"]}
    assert CODER_ONLY_FILE in documents and documents[CODER_ONLY_FILE]["chunks"] > 0
    assert {"collection", "ingested_at", "status"} <= set(documents[CODER_ONLY_FILE])


def test_a_cited_document_can_be_downloaded_by_a_role_that_may_read_it(client, ingested_settings):
    response = client.get(f"/v1/files/{CODER_ONLY_FILE}", headers=bearer(client, "c", "coder"))
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    corpus_root = Path(client.app.state.kb.services.corpus.corpus_root)
    assert response.content == (corpus_root / CODER_ONLY_FILE).read_bytes()


# ---- probes, metrics, schema ----------------------------------------------------------------------------------------
def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "store": "ok", "model_server": "not used", "audit_log": "ok"}


def test_metrics_count_requests_refusals_and_the_ingest_queue(client):
    client.post("/v1/ask", json={"question": OFF_TOPIC_QUESTION}, headers=bearer(client, "f", "front_desk"))
    client.post("/v1/search", json={"question": "modifier GA"}, headers=bearer(client, "c", "coder"))
    text = client.get("/metrics").text
    assert 'kb_http_requests_total{method="POST",route="/v1/ask",status="200"} 1.0' in text
    assert 'kb_http_request_seconds_count{method="POST",route="/v1/search"} 1.0' in text
    assert "kb_refusals_total 1.0" in text
    assert "kb_dropped_claims_total" in text and "kb_ingest_queue 0.0" in text


def test_openapi_documents_every_body_and_error(client):
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not path.startswith("/v1/"):
                continue
            responses = operation["responses"]
            for status in ("401", "403", "422", "429", "500", "503"):
                schema = responses[status]["content"]["application/json"]["schema"]["$ref"]
                assert schema.endswith(("ErrorBody", "ValidationErrorBody")), (method, path, status)
            assert operation.get("security") == [{"bearer": []}], (method, path)
            if method in ("post", "put") and path not in ("/v1/reindex",):
                assert "requestBody" in operation, (method, path)
            success = next(s for s in responses if s.startswith("2"))
            assert responses[success].get("content"), (method, path)


def test_the_web_ui_is_served_with_a_strict_content_security_policy(client):
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"
    page = client.get("/ui/")
    assert page.status_code == 200 and "Draft — check the cited source" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    for asset in ("admin.html", "auth.js", "ask.js", "admin.js", "style.css"):
        assert client.get(f"/ui/{asset}").status_code == 200, asset
    for probe in ("/ui/web_router.py", "/ui/..%2fapp.py", "/ui/%2e%2e/%2e%2e/kb/settings.py"):
        assert client.get(probe).status_code == 404, probe


def test_blocking_work_runs_off_the_event_loop(client, monkeypatch):
    """While one search is slow, another request is still served."""
    import threading

    real_search = client.app.state.kb.search.search
    entered = threading.Event()

    def slow_search(question: str, role: str, k: int):
        entered.set()
        time.sleep(1.5)
        return real_search(question, role, k)

    monkeypatch.setattr(client.app.state.kb.search, "search", slow_search)
    done: dict[str, float] = {}

    def slow_request() -> None:
        client.post("/v1/search", json={"question": "modifier GA"}, headers=bearer(client, "c", "coder"))
        done["slow"] = time.perf_counter()

    worker = threading.Thread(target=slow_request)
    worker.start()
    entered.wait(10)
    assert client.get("/healthz").status_code == 200
    done["health"] = time.perf_counter()
    worker.join(10)
    assert done["health"] < done["slow"]


# ---- curation on a small corpus of its own ------------------------------------------------------------------------
POLICY_V1 = "# Key policy\n\nStaff return the office keys to the practice manager within 2 days of leaving.\n"
POLICY_V2 = "# Key policy\n\nStaff return the office keys to the practice manager within 5 days of leaving.\n"


@pytest.fixture
def curation_client(tmp_path, services) -> TestClient:
    corpus = tmp_path / "corpus"
    (corpus / "policies").mkdir(parents=True)
    (corpus / "policies" / "retention.md").write_text("# Retention\n\nRecords are kept for six years.\n")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"corpus_root: {corpus}\ncollections:\n"
        " - name: policies\n   roles: [front_desk, coder, admin]\n   sources: ['policies/*']\n"
        " - name: coding\n   roles: [coder, admin]\n   sources: ['coding/**/*.md', 'coding/*']\n"
    )
    from ingest.pipeline import ingest_corpus
    from kb.settings import load_settings

    fresh = Services(load_settings(home=tmp_path / "home", config=config), allow_create=True)
    fresh.embedder = services.embedder  # type: ignore[misc]
    ingest_corpus(fresh)
    with TestClient(create_app(fresh, warm_up=False)) as test_client:
        yield test_client
    fresh.close()


def wait_for_job(client: TestClient, job_id: str) -> dict:
    client.app.state.kb.jobs.wait_idle(300)
    return client.get(f"/v1/jobs/{job_id}", headers=bearer(client, "a", "admin")).json()


def search_texts(client: TestClient, question: str, role: str = "coder") -> list[str]:
    body = client.post("/v1/search", json={"question": question, "k": 5}, headers=bearer(client, "u", role)).json()
    return [r["text"] for r in body["results"]]


def test_upload_replace_and_delete(curation_client):
    client = curation_client
    admin = bearer(client, "a", "admin")
    uploaded = client.post(
        "/v1/documents", files={"file": ("keys.md", POLICY_V1.encode(), "text/markdown")},
        data={"collection": "policies"}, headers=admin,
    )
    assert uploaded.status_code == 202 and uploaded.json()["status"] in ("queued", "running", "done")
    assert uploaded.json()["document"] == "policies/keys.md"
    job = wait_for_job(client, uploaded.json()["job_id"])
    assert job["status"] == "done" and job["added"] == ["policies/keys.md"]
    assert any("within 2 days" in t for t in search_texts(client, "when are office keys returned?"))

    replaced = client.post(
        "/v1/documents", files={"file": ("keys.md", POLICY_V2.encode(), "text/markdown")},
        data={"collection": "policies"}, headers=admin,
    )
    assert wait_for_job(client, replaced.json()["job_id"])["changed"] == ["policies/keys.md"]
    texts = search_texts(client, "when are office keys returned?")
    assert any("within 5 days" in t for t in texts) and not any("within 2 days" in t for t in texts)

    documents = client.get("/v1/documents", headers=admin).json()["documents"]
    doc_id = next(d["doc_id"] for d in documents if d["document"] == "policies/keys.md")
    deleted = client.delete(f"/v1/documents/{doc_id}", headers=admin)
    assert deleted.status_code == 200
    assert deleted.json()["verified"] is True and deleted.json()["chunks_removed"] > 0
    assert deleted.json()["source_file_removed"] is True
    assert not any("office keys" in t for t in search_texts(client, "when are office keys returned?"))
    assert client.delete(f"/v1/documents/{doc_id}", headers=admin).status_code == 404


def test_uploads_are_typed_by_content_and_named_safely(curation_client):
    client = curation_client
    admin = bearer(client, "a", "admin")
    corpus_root = Path(client.app.state.kb.services.corpus.corpus_root)

    traversal = client.post(
        "/v1/documents", files={"file": ("../../../etc/cron.d/evil.md", POLICY_V1.encode(), "text/markdown")},
        data={"collection": "coding"}, headers=admin,
    )
    assert traversal.status_code == 202 and traversal.json()["document"] == "coding/evil.md"
    assert (corpus_root / "coding" / "evil.md").is_file()

    fake_pdf = client.post(
        "/v1/documents", files={"file": ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00binary", "application/pdf")},
        data={"collection": "policies"}, headers=admin,
    )
    assert fake_pdf.status_code == 422 and fake_pdf.json()["error"] == "file_rejected"

    text_named_pdf = client.post(
        "/v1/documents", files={"file": ("notes.pdf", b"just some text", "application/pdf")},
        data={"collection": "policies"}, headers=admin,
    )
    assert text_named_pdf.status_code == 422

    real_pdf_named_txt = client.post(
        "/v1/documents", files={"file": ("scan.txt", b"%PDF-1.4\n%junk", "text/plain")},
        data={"collection": "policies"}, headers=admin,
    )
    assert real_pdf_named_txt.json()["document"] == "policies/scan.pdf"

    unknown_collection = client.post(
        "/v1/documents", files={"file": ("a.md", b"# a\n\ntext here\n", "text/markdown")},
        data={"collection": "nope"}, headers=admin,
    )
    assert unknown_collection.status_code == 422
    client.app.state.kb.jobs.wait_idle(300)


def test_reindex_runs_in_the_background(curation_client):
    client = curation_client
    admin = bearer(client, "a", "admin")
    corpus_root = Path(client.app.state.kb.services.corpus.corpus_root)
    (corpus_root / "policies" / "badge.md").write_text("# Badges\n\nVisitors wear a red badge at all times.\n")
    started = client.post("/v1/reindex", headers=admin)
    assert started.status_code == 202
    job = wait_for_job(client, started.json()["job_id"])
    assert job["status"] == "done" and job["added"] == ["policies/badge.md"]
