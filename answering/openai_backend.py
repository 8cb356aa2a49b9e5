"""The production backend: an OpenAI-compatible /v1/chat/completions endpoint (vLLM in production,
llama.cpp in tests), asked for structured output through `response_format`. It returns draft claims;
the verifier decides what is shown.

A dead, slow or confused model server gives a ModelServerError that says what to do, never a hang: every
attempt has a total deadline, and only failures that a retry can cure (refused connection, 429, 502-504)
are retried.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, ValidationError

from answering.backend import Draft
from answering.prompts import chat_messages, passage_label, response_format
from answering.question import Question
from answering.verifier import DraftClaim
from kb.errors import ModelServerError
from kb.models import Passage
from kb.settings import AnswerSettings

MAX_PROMPT_PASSAGES = 4
MAX_PASSAGE_CHARS = 2500
RETRY_BACKOFF_S = 0.5
_RETRYABLE_STATUS = {429, 502, 503, 504}


class _ModelClaim(BaseModel):
    text: str = ""
    passage_ids: list[str] = Field(default_factory=list)
    quote: str = ""


class _ModelReply(BaseModel):
    status: Literal["answered", "insufficient"]
    claims: list[_ModelClaim] = Field(default_factory=list)


class OpenAIBackend:
    name = "openai"

    def __init__(self, settings: AnswerSettings, transport: httpx.BaseTransport | None = None) -> None:
        self._settings = settings
        self.model: str | None = settings.model
        headers = {"Content-Type": "application/json"}
        if settings.api_key is not None:
            headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        connect_s = min(5.0, settings.timeout_s)
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(settings.timeout_s, connect=connect_s),
            transport=transport,
            trust_env=False,
        )
        self._url = settings.base_url.rstrip("/") + "/chat/completions"

    def close(self) -> None:
        self._client.close()

    def draft(self, question: Question, passages: list[Passage]) -> Draft:
        shown = [(passage_label(i), _trimmed(p)) for i, p in enumerate(passages[:MAX_PROMPT_PASSAGES], 1)]
        chunk_ids = {label: passage.chunk_id for label, passage in shown}
        body = {
            "model": self._settings.model,
            "messages": chat_messages(question.text, shown),
            "temperature": 0,
            "max_tokens": self._settings.max_tokens,
            "response_format": response_format(list(chunk_ids)),
        }
        reply = self._post(body)
        parsed = parse_reply(reply, self._settings.base_url)
        usage = reply.get("usage") or {}
        claims = [
            DraftClaim(
                text=claim.text,
                # An id the model made up stays as written: the verifier then drops the claim as unknown.
                passage_ids=[chunk_ids.get(pid.strip(), pid) for pid in claim.passage_ids],
                quote=claim.quote,
            )
            for claim in parsed.claims
        ]
        return Draft(
            status=parsed.status,
            claims=claims if parsed.status == "answered" else [],
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        attempts = self._settings.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._post_once(body)
            except _Retryable as exc:
                if attempt == attempts:
                    raise ModelServerError(str(exc)) from None
                time.sleep(RETRY_BACKOFF_S * attempt)
        raise AssertionError("unreachable")

    def _post_once(self, body: dict[str, Any]) -> dict[str, Any]:
        where = self._settings.base_url
        deadline = time.monotonic() + self._settings.timeout_s
        try:
            with self._client.stream("POST", self._url, json=body) as response:
                content = bytearray()
                for chunk in response.iter_bytes():
                    content.extend(chunk)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("total deadline passed")
                status = response.status_code
        except httpx.ConnectError as exc:
            raise _Retryable(
                f"cannot connect to the model server at {where} ({_reason(exc)}); start it or set KB_ANSWER__BASE_URL"
            ) from None
        except httpx.TimeoutException:
            raise ModelServerError(
                f"the model server at {where} did not answer within {self._settings.timeout_s:g} s "
                "(KB_ANSWER__TIMEOUT_S); it may be overloaded or the model too slow"
            ) from None
        except httpx.HTTPError as exc:
            raise _Retryable(f"the connection to the model server at {where} failed ({_reason(exc)})") from None
        text = content.decode("utf-8", errors="replace")
        if status in _RETRYABLE_STATUS:
            raise _Retryable(f"the model server at {where} answered HTTP {status}: {_snippet(text)}")
        if status >= 400:
            hint = " (check KB_ANSWER__API_KEY)" if status in {401, 403} else ""
            hint = hint or (" (check KB_ANSWER__MODEL)" if status == 404 else "")
            raise ModelServerError(f"the model server at {where} answered HTTP {status}{hint}: {_snippet(text)}")
        try:
            reply = json.loads(text)
        except json.JSONDecodeError:
            raise ModelServerError(f"the model server at {where} sent a reply that is not JSON: {_snippet(text)}") from None
        if not isinstance(reply, dict):
            raise ModelServerError(f"the model server at {where} sent an unexpected reply: {_snippet(text)}")
        return reply


class _Retryable(Exception):
    pass


def parse_reply(reply: dict[str, Any], where: str) -> _ModelReply:
    """The model's JSON answer inside an OpenAI chat completion."""
    try:
        choice = reply["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ModelServerError(f"the model server at {where} sent no chat completion: {_snippet(json.dumps(reply))}") from None
    if not isinstance(content, str) or not content.strip():
        raise ModelServerError(f"the model at {where} returned an empty answer")
    text = _strip_fences(content)
    try:
        return _ModelReply.model_validate_json(text)
    except ValidationError:
        pass
    if choice.get("finish_reason") == "length":
        salvaged = _complete_claims_of_truncated(text)
        if salvaged is not None:
            return salvaged
    cut = " (cut off at KB_ANSWER__MAX_TOKENS)" if choice.get("finish_reason") == "length" else ""
    raise ModelServerError(f"the model at {where} did not follow the answer schema{cut}: {_snippet(content)}") from None


_STATUS = re.compile(r'^\s*\{\s*"status"\s*:\s*"(answered|insufficient)"')


def _complete_claims_of_truncated(text: str) -> _ModelReply | None:
    """A reply cut off at max_tokens keeps the claims it finished (the verifier checks them like any other).
    One that says 'insufficient' needs no claim: its claims would be ignored anyway. An 'answered' cut off
    before any claim is finished is a failure (raise KB_ANSWER__MAX_TOKENS), not a refusal."""
    ends = [i for i, ch in enumerate(text) if ch == "}"]
    for end in reversed(ends[-8:]):
        try:
            reply = _ModelReply.model_validate_json(text[: end + 1] + "]}")
        except ValidationError:
            continue
        if reply.claims:
            return reply
    status = _STATUS.match(text)
    return _ModelReply(status="insufficient", claims=[]) if status and status.group(1) == "insufficient" else None


def _strip_fences(content: str) -> str:
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{") :] if "{" in text else text
    return text


def _trimmed(passage: Passage) -> Passage:
    if len(passage.text) <= MAX_PASSAGE_CHARS:
        return passage
    return passage.model_copy(update={"text": passage.text[:MAX_PASSAGE_CHARS]})


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:160]


def _snippet(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")
