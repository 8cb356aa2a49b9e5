"""Ingest benchmark on the sample corpus: cold ingest, unchanged re-ingest, chunks/s, peak RSS, stage split.

    .venv/bin/python bench/bench_ingest.py
"""

from __future__ import annotations

import platform
import resource
import tempfile
import time
from pathlib import Path

import psutil

from ingest.pipeline import ingest_corpus
from kb.services import Services
from kb.settings import load_settings


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(home=Path(tmp) / "home")
        started = time.perf_counter()
        services = Services(settings, allow_create=True)
        services.embedder  # model load counted in cold time
        cold = ingest_corpus(services)
        cold_seconds = time.perf_counter() - started

        started = time.perf_counter()
        warm = ingest_corpus(services)
        warm_seconds = time.perf_counter() - started
        services.close()

        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        stages = cold.stages
        print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB")
        print(f"documents: {len(cold.added)} added, {len(cold.skipped)} skipped")
        print(f"cold ingest: {cold_seconds:.1f} s (target <= 90 s), {cold.chunks_written} chunks, "
              f"{cold.chunks_written / cold_seconds:.1f} chunks/s")
        print(f"  parse {stages.parse:.1f} s, chunk {stages.chunk:.1f} s, embed {stages.embed:.1f} s, "
              f"store {stages.store:.1f} s, other {cold_seconds - stages.parse - stages.chunk - stages.embed - stages.store:.1f} s")
        print(f"unchanged re-ingest: {warm_seconds:.2f} s (target <= 5 s), {warm.chunks_written} chunks embedded")
        print(f"peak RSS: {peak_rss_mb:.0f} MB (parser worker processes not included)")


if __name__ == "__main__":
    main()
