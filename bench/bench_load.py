"""Load on the HTTP API from many concurrent users, on loopback: search and ask (extractive default).

Starts `kb serve` on 127.0.0.1 (plain HTTP, allowed on loopback; --tls for HTTPS) over the ingested
KB_HOME (run `kb ingest` first), mints one token per virtual user from the built-in issuer, and has each
user send requests (questions from the dev set for the user's role) for a fixed time. Every request goes through the whole service: auth, rate limit,
retrieval, answer, and the fsynced audit record. Prints throughput, p50/p95/max latency and the error
rate for each scenario.

Two user models, both printed by default:
  paced       each user waits --think-s (1 s) after each answer before asking again, as a person does;
  saturation  no pause at all (--think-s 0): the server's ceiling, where latency is mostly queueing
              (p95 is then about users / throughput).

    .venv/bin/python bench/bench_load.py                       # 20 and 50 users, search and ask, both models
    .venv/bin/python bench/bench_load.py --users 20 --seconds 30 --endpoint search --think-s 1
    .venv/bin/python bench/bench_load.py --url https://host:8443 --insecure   # a server already running

The per-user rate limit (120 a minute by default) would cap a benchmark user at 2 requests a second, so
the server started here raises it; against --url, configure KB_SERVER__RATE_LIMIT_PER_MINUTE yourself.
Target: search p95 <= 150 ms at 20 users on 2 cores, with 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from evaluation.dataset import load_dev_set
from kb.settings import load_settings
from serving.auth.local_issuer import LocalIssuer

ROLES = ("front_desk", "coder", "admin")
SEARCH_P95_TARGET_MS = 150.0
STARTUP_TIMEOUT_S = 180


@dataclass
class ScenarioResult:
    endpoint: str
    users: int
    seconds: float
    think_s: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + sum(self.errors.values())

    def line(self) -> str:
        ok = sorted(self.latencies_ms)
        error_rate = sum(self.errors.values()) / self.requests if self.requests else 0.0
        p50 = statistics.median(ok) if ok else float("nan")
        p95 = percentile(ok, 0.95) if ok else float("nan")
        errors = ", ".join(f"{kind} x{count}" for kind, count in self.errors.most_common()) or "none"
        model = f"think {self.think_s:g} s" if self.think_s else "saturation"
        return (
            f"{self.endpoint:<6} {self.users:>3} users  {model:<12} {self.requests:>5} requests  "
            f"{self.requests / self.seconds:7.1f} req/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"max {max(ok, default=float('nan')):7.1f} ms  errors {error_rate:.2%} ({errors})"
        )


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def virtual_user(
    client: httpx.AsyncClient, endpoint: str, token: str, questions: list[str], stop_at: float, result: ScenarioResult,
    start_delay_s: float,
) -> None:
    await asyncio.sleep(start_delay_s)
    headers = {"Authorization": f"Bearer {token}"}
    body_extra = {"k": 5} if endpoint == "search" else {}
    for question in itertools.cycle(questions):
        if time.perf_counter() >= stop_at:
            return
        started = time.perf_counter()
        try:
            response = await client.post(f"/v1/{endpoint}", json={"question": question, **body_extra}, headers=headers)
        except httpx.HTTPError as exc:
            result.errors[type(exc).__name__] += 1
            continue
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code == 200:
            result.latencies_ms.append(elapsed_ms)
        else:
            result.errors[f"HTTP {response.status_code}"] += 1
        if result.think_s:
            await asyncio.sleep(result.think_s)


async def run_scenario(
    url: str, verify: bool, endpoint: str, users: int, seconds: float, think_s: float,
    tokens: dict[str, list[str]], questions: dict[str, list[str]],
) -> ScenarioResult:
    result = ScenarioResult(endpoint=endpoint, users=users, seconds=seconds, think_s=think_s)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(base_url=url, verify=verify, limits=limits, timeout=timeout) as client:
        stop_at = time.perf_counter() + seconds
        workers = []
        for index in range(users):
            role = ROLES[index % len(ROLES)]
            # Each user starts at a different question, so the users do not move in lockstep.
            own = questions[role][index % len(questions[role]):] + questions[role][: index % len(questions[role])]
            # Paced users arrive spread over one think time, not all in the same instant.
            delay = think_s * index / users
            workers.append(virtual_user(client, endpoint, tokens[role][index], own, stop_at, result, delay))
        await asyncio.gather(*workers)
    return result


def mint_tokens(users: int) -> dict[str, list[str]]:
    """One token per virtual user and role (ttl long enough for the run), from KB_HOME's local issuer."""
    issuer = LocalIssuer.open(load_settings())
    return {role: [issuer.mint(f"bench-user-{i}", role) for i in range(users)] for role in ROLES}


def questions_by_role() -> dict[str, list[str]]:
    questions: dict[str, list[str]] = {role: [] for role in ROLES}
    for item in load_dev_set():
        questions[item.role].append(item.question)
    return questions


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(tls: bool) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "KB_SERVER__RATE_LIMIT_PER_MINUTE": "1000000", "DO_NOT_TRACK": "1"}
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"kb-bench-load-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "kb.cli.__main__", "serve", "--host", "127.0.0.1", "--port", str(port),
         *(["--self-signed"] if tls else [])],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"kb serve exited; see {log}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2, verify=False).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"kb serve did not become ready; see {log}")


def warm_up(url: str, verify: bool, tokens: dict[str, list[str]], questions: dict[str, list[str]]) -> None:
    """Load the answerer and fill caches before timing (the first ask builds it)."""
    with httpx.Client(base_url=url, verify=verify, timeout=120) as client:
        for role in ROLES:
            headers = {"Authorization": f"Bearer {tokens[role][0]}"}
            for question in questions[role][:3]:
                client.post("/v1/search", json={"question": question}, headers=headers).raise_for_status()
                client.post("/v1/ask", json={"question": question}, headers=headers).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50], help="Concurrent users per scenario.")
    parser.add_argument("--endpoint", choices=["search", "ask"], nargs="+", default=["search", "ask"])
    parser.add_argument("--seconds", type=float, default=20.0, help="Duration of each scenario.")
    parser.add_argument("--think-s", type=float, nargs="+", default=[1.0, 0.0],
                        help="Pause of each user between requests; 0 is saturation. Default: 1 and 0.")
    parser.add_argument("--url", help="Use a server that is already running instead of starting one.")
    parser.add_argument("--insecure", action="store_true", help="Do not verify the server's TLS certificate.")
    parser.add_argument("--tls", action="store_true", help="Start the server with HTTPS (--self-signed), not plain HTTP.")
    args = parser.parse_args()

    process, url = (None, args.url) if args.url else start_server(args.tls)
    verify = not (args.insecure or args.tls)
    try:
        tokens = mint_tokens(max(args.users))
        questions = questions_by_role()
        warm_up(url, verify, tokens, questions)
        print(f"kb load benchmark on {url} ({os.cpu_count()} cores), {args.seconds:g} s per scenario")
        results = []
        for think_s in args.think_s:
            for endpoint in args.endpoint:
                for users in args.users:
                    result = asyncio.run(
                        run_scenario(url, verify, endpoint, users, args.seconds, think_s, tokens, questions)
                    )
                    results.append(result)
                    print(result.line(), flush=True)
        for result in results:
            if result.endpoint == "search" and result.users == 20 and result.latencies_ms:
                p95 = percentile(sorted(result.latencies_ms), 0.95)
                met = p95 <= SEARCH_P95_TARGET_MS and not result.errors
                model = f"think {result.think_s:g} s" if result.think_s else "saturation"
                print(f"target search p95 <= {SEARCH_P95_TARGET_MS:g} ms at 20 users ({model}) with 0 errors: "
                      f"{'met' if met else 'NOT met'} (p95 {p95:.1f} ms, {sum(result.errors.values())} errors)")
    finally:
        if process is not None:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()
