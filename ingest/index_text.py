"""What the dense and sparse indexes see for a chunk. The stored text stays the chunk itself.

A chunk is indexed with a short lead naming its document and the heading of its section, so that a
passage deep inside "§ 164.524 Access of individuals to protected health information" still matches
a question about getting a copy of one's records. A code record (one CSV row or addenda entry) is
embedded as its code and descriptive values only: field names and numeric columns add tokens, and
embedding time, without adding meaning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.models import Chunk, ParsedBlock

LEAD_WORDS = 14
RECORD_WORDS = 48
FIELD_SEPARATOR = " | "
FIELD_NAME = re.compile(r"^[A-Z][A-Za-z0-9 /_.()#-]{0,40}:\s+")
DESCRIPTIVE_VALUE = re.compile(r"[A-Za-z]{3,}")


def section_headings(blocks: Sequence[ParsedBlock]) -> dict[str, str]:
    """The first heading text under each section label, e.g. `§ 164.524` -> its full heading line."""
    headings: dict[str, str] = {}
    for block in blocks:
        if block.kind == "heading" and block.section and block.section not in headings:
            headings[block.section] = " ".join(block.text.split())
    return headings


def section_lead(chunk: Chunk, headings: dict[str, str]) -> str:
    section = chunk.meta.section or ""
    heading = headings.get(section, "")
    if heading.startswith(section):
        section = ""
    elif section.endswith(heading):
        heading = ""
    return " ".join(f"{section} {heading}".split())


def embedding_text(chunk: Chunk, headings: dict[str, str]) -> str:
    if chunk.meta.keywords and is_record(chunk):
        return record_embedding_text(chunk)
    title = _first_words(chunk.meta.title, LEAD_WORDS)
    section = _first_words(section_lead(chunk, headings), LEAD_WORDS)
    lead = f"{title}. {section}".strip(". ")
    return f"{lead}\n{chunk.text}"


def sparse_text(chunk: Chunk, headings: dict[str, str]) -> str:
    return f"{chunk.meta.title}\n{section_lead(chunk, headings)}\n{chunk.text}"


def is_record(chunk: Chunk) -> bool:
    return chunk.meta.section is not None and chunk.meta.section.upper() in {k.upper() for k in chunk.meta.keywords}


def record_embedding_text(chunk: Chunk) -> str:
    """`CODE: descriptive values`, without field names, numeric columns or repeated values."""
    values: list[str] = []
    for field in re.split(r"\s*\|\s*|\n", chunk.text):
        value = FIELD_NAME.sub("", field.strip())
        if not DESCRIPTIVE_VALUE.search(value):
            continue
        if any(value.lower() in kept.lower() for kept in values):
            continue
        values = [kept for kept in values if kept.lower() not in value.lower()]
        values.append(value)
    return _first_words(f"{chunk.meta.section}: {'; '.join(values)}", RECORD_WORDS)


def _first_words(text: str, count: int) -> str:
    return " ".join(text.split()[:count])
