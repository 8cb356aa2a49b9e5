"""Per-user rate limiting and the request-body limit."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.error_handlers import error_response
from serving.errors import PayloadTooLarge, RateLimited

MIB = 1024 * 1024
# JSON bodies (questions, feedback) are small; only uploads get the configured, larger limit.
JSON_BODY_LIMIT = 1 * MIB
_MAX_TRACKED_KEYS = 100_000


class RateLimiter:
    """Token bucket per key: `per_minute` requests, refilled continuously. In memory, so per process."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def hit(self, key: str) -> None:
        """Spend one request for `key`, or raise RateLimited with the seconds until the next is allowed."""
        with self._lock:
            tokens = self._tokens(key)
            if tokens < 1.0:
                wait = math.ceil((1.0 - tokens) / self._rate)
                raise RateLimited(f"too many requests: the limit is {self.per_minute} a minute", retry_after_s=wait)
            self._buckets[key] = (tokens - 1.0, self._clock())

    def check(self, key: str) -> None:
        """Raise RateLimited if `key` has nothing left, without spending anything."""
        with self._lock:
            tokens = self._tokens(key)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) / self._rate)
            raise RateLimited(f"too many failed attempts: try again in {wait} s", retry_after_s=wait)

    def _tokens(self, key: str) -> float:
        now = self._clock()
        tokens, updated = self._buckets.get(key, (float(self.per_minute), now))
        if len(self._buckets) > _MAX_TRACKED_KEYS:
            self._forget_full_buckets(now)
        return min(float(self.per_minute), tokens + (now - updated) * self._rate)

    def _forget_full_buckets(self, now: float) -> None:
        full_after = self.per_minute / self._rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit before the app sees them.

    A declared Content-Length is checked up front (the server enforces the framing). A body without one
    (chunked) is read here up to the limit and replayed to the app, so an endless stream is cut off."""

    def __init__(self, app: ASGIApp, limit_for_path: Callable[[str], int]) -> None:
        self.app = app
        self._limit_for_path = limit_for_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for_path(scope["path"])
        declared = _content_length(scope)
        if declared is not None:
            if declared > limit:
                await _send_too_large(scope, send, limit)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await _send_too_large(scope, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large_message(limit: int) -> str:
    return f"the request body is larger than the {limit / MIB:g} MiB limit"


async def _send_too_large(scope: Scope, send: Send, limit: int) -> None:
    response = error_response(PayloadTooLarge(_too_large_message(limit)), scope)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
