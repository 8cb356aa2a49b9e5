"""Line- and row-oriented text: CSV code files, ICD-10-CM addenda, and plain text.

A code file yields one `record` block per row or addenda entry, labelled with its code, so an exact
code lookup finds exactly that row.
"""

from __future__ import annotations

import csv
import re

from kb.errors import FileRejected
from kb.models import ParsedBlock

CODE_COLUMN = re.compile(r"code|hcpc|cpt|icd|modifier|\bmod\b", re.IGNORECASE)
ADDENDA_LINE = re.compile(r"^(Add|Delete|Revise from|Revise to):\s+(\S+)\s+(.*\S)\s*$")
ADDENDA_SHARE = 0.5  # at least this share of non-blank lines must be addenda entries


def parse_csv(text: str) -> list[ParsedBlock]:
    """One record per data row: `Header: value | Header: value`, empty cells and unnamed columns left out."""
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise FileRejected(f"malformed CSV ({exc})") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [name.strip() for name in rows[0]]
    code_index = next((i for i, name in enumerate(header) if CODE_COLUMN.search(name)), None)
    blocks = []
    for row in rows[1:]:
        cells = [cell.strip() for cell in row]
        fields = [(name, value) for name, value in zip(header, cells) if name and value]
        if not fields:
            continue
        text = " | ".join(f"{name}: {value}" for name, value in fields)
        label = cells[0] if cells else None
        keywords: list[str] = []
        if code_index is not None and code_index < len(cells) and cells[code_index]:
            label = cells[code_index].upper()
            keywords = [label]
        blocks.append(ParsedBlock(text=text, kind="record", section=label or None, keywords=keywords))
    return blocks


def parse_text(text: str) -> list[ParsedBlock]:
    if looks_like_addenda(text):
        return parse_addenda(text)
    return [ParsedBlock(text=paragraph) for paragraph in paragraphs(text)]


def looks_like_addenda(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    entries = sum(1 for line in lines if ADDENDA_LINE.match(line))
    return bool(lines) and entries / len(lines) >= ADDENDA_SHARE


def parse_addenda(text: str) -> list[ParsedBlock]:
    """`Add:`/`Delete:` lines become one record each; a `Revise from:`/`Revise to:` pair stays one record.
    Other lines are kept together as they run; the run after the last entry (the counts) is the "Summary"."""
    blocks: list[ParsedBlock] = []
    prose: list[str] = []
    pending_revision: tuple[str, str] | None = None

    def flush_prose(section: str | None) -> None:
        if prose:
            blocks.append(ParsedBlock(text="\n".join(prose), section=section))
            prose.clear()

    for line in text.splitlines():
        match = ADDENDA_LINE.match(line)
        if not match:
            if line.strip():
                prose.append(" ".join(line.split()))
            continue
        flush_prose(None)
        action, code, description = match.groups()
        entry = f"{action}: {code} {description}"
        if action == "Revise from":
            if pending_revision:
                blocks.append(_addenda_record(*pending_revision))
            pending_revision = (code, entry)
            continue
        if action == "Revise to" and pending_revision and pending_revision[0] == code:
            entry = f"{pending_revision[1]}\n{entry}"
        elif pending_revision:
            blocks.append(_addenda_record(*pending_revision))
        pending_revision = None
        blocks.append(_addenda_record(code, entry))
    if pending_revision:
        blocks.append(_addenda_record(*pending_revision))
    flush_prose("Summary")
    return blocks


def _addenda_record(code: str, text: str) -> ParsedBlock:
    return ParsedBlock(text=text, kind="record", section=code.upper(), keywords=[code.upper()])


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, inner line breaks kept."""
    chunks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [chunk.strip() for chunk in chunks if chunk.strip()]
