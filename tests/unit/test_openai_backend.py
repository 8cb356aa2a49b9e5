"""The OpenAI-compatible backend at the HTTP boundary (httpx MockTransport): what it sends, how it maps the
model's passage ids back, and how every server failure becomes a ModelServerError that says what to do.
The real-server tests are in tests/integration/test_openai_backend_llamacpp.py."""

from __future__ import annotations

import json

import httpx
import pytest

from answering.openai_backend import OpenAIBackend
from answering.question import analyse_question
from kb.errors import ModelServerError
from kb.settings import AnswerSettings
from tests.unit.answering_passages import ACCESS, RETENTION

QUESTION = analyse_question("How long do we have to act on a request for access?")


def completion(content: str, finish_reason: str = "stop") -> dict:
    return {
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 60},
    }


def backend_answering(handler, **settings) -> OpenAIBackend:
    defaults = {"backend": "openai", "base_url": "http://model.test/v1", "model": "served-model", "max_retries": 1}
    return OpenAIBackend(AnswerSettings(**(defaults | settings)), transport=httpx.MockTransport(handler))


def test_request_asks_for_json_schema_output_with_the_configured_model_and_key():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=completion('{"status": "insufficient", "claims": []}'))

    backend_answering(handler, api_key="sk-test").draft(QUESTION, [ACCESS, RETENTION])
    request = seen[0]
    body = json.loads(request.content)
    assert str(request.url) == "http://model.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert body["model"] == "served-model" and body["temperature"] == 0 and body["max_tokens"] == 700
    assert body["response_format"]["type"] == "json_schema"
    ids = body["response_format"]["json_schema"]["schema"]["properties"]["claims"]["items"]["properties"]["passage_ids"]
    assert ids["items"]["enum"] == ["P1", "P2"]
    assert body["messages"][0]["role"] == "system" and "<question>" in body["messages"][1]["content"]


def test_model_passage_ids_are_mapped_back_to_chunk_ids_and_unknown_ones_kept_for_the_verifier():
    reply = {
        "status": "answered",
        "claims": [
            {"text": "Act within 30 days.", "passage_ids": ["P1"], "quote": "no later than 30 days"},
            {"text": "Keep it six years.", "passage_ids": ["P2", "P7"], "quote": "for six years"},
        ],
    }
    backend = backend_answering(lambda request: httpx.Response(200, json=completion(json.dumps(reply))))
    draft = backend.draft(QUESTION, [ACCESS, RETENTION])
    assert draft.status == "answered"
    assert [c.passage_ids for c in draft.claims] == [[ACCESS.chunk_id], [RETENTION.chunk_id, "P7"]]
    assert draft.prompt_tokens == 900 and draft.completion_tokens == 60


def test_insufficient_status_discards_any_claims():
    reply = {"status": "insufficient", "claims": [{"text": "x", "passage_ids": ["P1"], "quote": "y"}]}
    draft = backend_answering(lambda r: httpx.Response(200, json=completion(json.dumps(reply)))).draft(QUESTION, [ACCESS])
    assert draft.status == "insufficient" and draft.claims == []


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500, text="boom"), "HTTP 500"),
        (httpx.Response(401, text="no"), "KB_ANSWER__API_KEY"),
        (httpx.Response(404, text="model not found"), "KB_ANSWER__MODEL"),
        (httpx.Response(200, text="<html>proxy</html>"), "not JSON"),
        (httpx.Response(200, json={"object": "error"}), "no chat completion"),
        (httpx.Response(200, json=completion("")), "empty answer"),
        (httpx.Response(200, json=completion("The deadline is 30 days.")), "did not follow the answer schema"),
        (httpx.Response(200, json=completion('{"status": "answered", "claims": [{"text": "a', "length")), "cut off"),
    ],
)
def test_server_failures_and_unusable_replies_raise_a_clear_model_server_error(response, message):
    with pytest.raises(ModelServerError, match=message):
        backend_answering(lambda request: response).draft(QUESTION, [ACCESS])


def test_transient_failures_are_retried_then_reported():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(503, text="loading model")

    with pytest.raises(ModelServerError, match="HTTP 503"):
        backend_answering(handler, max_retries=2).draft(QUESTION, [ACCESS])
    assert len(calls) == 3


def test_transient_failure_followed_by_success_answers():
    replies = [httpx.Response(503), httpx.Response(200, json=completion('{"status": "insufficient", "claims": []}'))]
    draft = backend_answering(lambda request: replies.pop(0)).draft(QUESTION, [ACCESS])
    assert draft.status == "insufficient"


def test_refused_connection_names_the_url_and_the_setting():
    def handler(request):
        raise httpx.ConnectError("Connection refused")

    with pytest.raises(ModelServerError, match=r"cannot connect to the model server at http://model.test/v1.*KB_ANSWER__BASE_URL"):
        backend_answering(handler, max_retries=0).draft(QUESTION, [ACCESS])


def test_timeout_is_not_retried_and_names_the_setting():
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(ModelServerError, match="KB_ANSWER__TIMEOUT_S"):
        backend_answering(handler, max_retries=3).draft(QUESTION, [ACCESS])
    assert len(calls) == 1


def test_api_key_never_appears_in_an_error():
    with pytest.raises(ModelServerError) as raised:
        backend_answering(lambda r: httpx.Response(401, text="bad key"), api_key="sk-secret-123").draft(QUESTION, [ACCESS])
    assert "sk-secret-123" not in str(raised.value)


def test_reply_wrapped_in_a_code_fence_is_still_read():
    fenced = '```json\n{"status": "insufficient", "claims": []}\n```'
    assert backend_answering(lambda r: httpx.Response(200, json=completion(fenced))).draft(QUESTION, [ACCESS]).status == (
        "insufficient"
    )


def test_reply_cut_off_at_max_tokens_keeps_only_its_finished_claims():
    cut = (
        '{"status": "answered", "claims": [{"text": "Act within 30 days.", "passage_ids": ["P1"], '
        '"quote": "no later than 30 days"}, {"text": "It can be extended by 9'
    )
    draft = backend_answering(lambda r: httpx.Response(200, json=completion(cut, "length"))).draft(QUESTION, [ACCESS])
    assert [c.text for c in draft.claims] == ["Act within 30 days."]


def test_an_insufficient_reply_cut_off_inside_its_claims_is_still_insufficient():
    cut = completion('{"status": "insufficient", "claims": [{"text": "The document contains a copy of a copy of', "length")
    draft = backend_answering(lambda request: httpx.Response(200, json=cut)).draft(QUESTION, [ACCESS])
    assert draft.status == "insufficient" and draft.claims == []
