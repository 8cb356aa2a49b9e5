"""Nothing readable on disk after ingesting the real sample corpus."""

from __future__ import annotations

import random
import re
from pathlib import Path

from evaluation.dataset import normalise
from ingest.parsers import parse_document

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "public"
SPAN_WORDS = 8


def word_spans(text: str, count: int, rng: random.Random) -> list[str]:
    words = [w for w in re.split(r"\s+", text) if w]
    if len(words) < SPAN_WORDS:
        return []
    starts = rng.sample(range(len(words) - SPAN_WORDS + 1), min(count, len(words) - SPAN_WORDS + 1))
    return [" ".join(words[s : s + SPAN_WORDS]) for s in starts]


def store_bytes(home: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())


def test_no_eight_word_span_of_any_document_occurs_in_any_store_file(ingested_settings):
    rng = random.Random(7)
    spans: list[str] = []
    formats = set()
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.name != "SOURCES.md":
            text = " ".join(block.text for block in parse_document(path))
            found = word_spans(text, 4, rng)
            spans += found
            formats.add(path.suffix) if found else None
    assert len(spans) >= 50 and {".pdf", ".csv", ".txt", ".md", ".html", ".doc"} <= formats
    haystack = store_bytes(ingested_settings.home)
    normalised_haystack = normalise(haystack.decode("latin-1"))
    leaked = [s for s in spans if s.encode("utf-8") in haystack or normalise(s) in normalised_haystack]
    assert leaked == []


def test_the_store_still_answers_so_the_check_above_is_not_vacuous(services):
    results = services.retriever.search("breach notification", "admin", 3)
    assert results and len(results[0].text.split()) >= SPAN_WORDS


ROTATION_PROBES = (
    ("front_desk", "how long do we have to answer a records request?"),
    ("coder", "what does modifier GA mean?"),
    ("coder", "B37.31"),
    ("admin", "breach notification to the media"),
)


def search_snapshot(settings) -> list[list[tuple]]:
    from kb.services import Services

    services = Services(settings)
    try:
        return [
            [(p.document, p.page, p.section, p.text, p.score) for p in services.retriever.search(q, role, 5)]
            for role, q in ROTATION_PROBES
        ]
    finally:
        services.close()


def test_rotating_master_and_data_keys_leaves_search_results_identical(private_copy_settings):
    from kb.services import Services
    from store.rotation import rotate_keys

    before = search_snapshot(private_copy_settings)
    master_key_before = private_copy_settings.resolved_master_key_file().read_bytes()
    services = Services(private_copy_settings)
    try:
        message = rotate_keys(services, new_master_key_file=None, data_keys=True)
    finally:
        services.close()
    assert "re-encrypted" in message
    assert private_copy_settings.resolved_master_key_file().read_bytes() != master_key_before
    assert search_snapshot(private_copy_settings) == before
