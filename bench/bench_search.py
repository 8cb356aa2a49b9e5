"""Search latency over the dev set questions, warm, in one process; plus the memory of a process holding
the store. Needs an ingested KB_HOME (run `kb ingest` first).

    .venv/bin/python bench/bench_search.py
"""

from __future__ import annotations

import statistics
import time

import psutil

from evaluation.dataset import load_dev_set
from kb.services import Services


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(rounds: int = 3) -> None:
    services = Services()
    retriever = services.retriever
    questions = load_dev_set()
    for q in questions[:5]:
        retriever.search(q.question, q.role, 5)
    latencies = []
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            retriever.search(q.question, q.role, 5)
            latencies.append((time.perf_counter() - started) * 1000)
    rss = psutil.Process().memory_info().rss / 2**20
    print(f"search over {len(questions)} dev questions x {rounds}: p50 {statistics.median(latencies):.1f} ms, "
          f"p95 {percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms (target p95 <= 50 ms)")
    print(f"process RSS holding model + store: {rss:.0f} MB")


if __name__ == "__main__":
    main()
