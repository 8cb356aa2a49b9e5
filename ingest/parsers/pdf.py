"""PDF text through pypdf, page by page, on the PHYSICAL 1-based page number.

This module reads pages: it refuses broken, encrypted and absurd files, rebuilds reading order on
pages drawn bottom-up, and drops running headers/footers and page-number lines. `pdf_structure`
turns the remaining lines into paragraphs and sections.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from math import ceil
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

from ingest.parsers.pdf_grid import MAX_GRID_PAGES, grid_lines
from ingest.parsers.pdf_structure import blocks_from_lines
from kb.errors import FileRejected
from kb.models import ParsedBlock

logging.getLogger("pypdf").setLevel(logging.ERROR)  # recoverable-damage warnings would flood the worker's stderr

EOF_WINDOW = 2048
EDGE_LINES = 3  # running headers/footers are looked for among a page's first and last lines
RUNNING_SHARE = 0.3  # a line shape at a page edge on this share of pages is a running header/footer
MIN_PAGES_FOR_RUNNING = 3
SCRAMBLED_UPWARD_SHARE = 0.5  # text drawn mostly bottom-up: pypdf's stream order is no reading order
SCRAMBLED_MIN_JUMPS = 5
CLIPPED_MIN_GLYPHS = 5  # this many lone letters in a row are letters clipped off their lines
CLIPPED_MAX_GAP = 12.0  # points between a lone first letter and the rest of its line
SAME_LINE = 1.0  # points of height within which two fragments sit on one line
COLUMN_WIDTH = 200.0  # points: a cut word's start lies within this distance left of its lost last letter

PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?$|^(?:[IVXLC]+|Intro|[A-Z])-\d{1,3}$|^-\s*\d{1,4}\s*-$|^.{0,40}\bPage\s+\d{1,4}$",
    re.IGNORECASE,
)
LEADER_RUN = re.compile(r"(?:\s*\.){4,}")
CHARACTER_FIXES = {"\u00ad": "-", "\uf0b7": "•", "\uf0a7": "•", "‘‘": "“", "’’": "”"}


def parse_pdf(path: Path, max_pages: int) -> list[ParsedBlock]:
    reader = open_pdf(path)
    count = page_count(reader, max_pages)
    pages = [page_lines(reader, index) for index in range(count)]
    if count <= MAX_GRID_PAGES:
        pages = [grid_page_lines(reader, index) or lines for index, lines in enumerate(pages)]
    return blocks_from_lines(drop_running_lines(pages))


# --- opening -----------------------------------------------------------------------------------


def open_pdf(path: Path) -> PdfReader:
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - EOF_WINDOW))
        if b"%%EOF" not in handle.read():
            raise FileRejected("truncated PDF (no %%EOF marker at the end)")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileRejected("encrypted PDF (password-protected); save an unprotected copy to ingest it")
    except FileRejected:
        raise
    except (FileNotDecryptedError, NotImplementedError) as exc:
        raise FileRejected(f"encrypted PDF that cannot be opened ({exc})") from None
    except RecursionError:
        raise FileRejected("PDF objects are nested too deeply to read") from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FileRejected(_damage_reason(exc)) from None
    return reader


def page_count(reader: PdfReader, max_pages: int) -> int:
    """Refuse absurd page trees before walking them: the declared count first, then the real one."""
    try:
        declared = int(reader.trailer["/Root"]["/Pages"].get("/Count", 0))
    except (KeyError, TypeError, ValueError, PdfReadError, RecursionError):
        declared = 0
    if declared > max_pages:
        raise FileRejected(f"PDF declares {declared} pages; the limit is {max_pages}")
    try:
        count = len(reader.pages)
    except RecursionError:
        raise FileRejected("PDF page tree is nested too deeply to read") from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FileRejected(_damage_reason(exc)) from None
    if count > max_pages:
        raise FileRejected(f"PDF has {count} pages; the limit is {max_pages}")
    if count == 0:
        raise FileRejected("PDF has no pages")
    return count


def _damage_reason(exc: BaseException) -> str:
    if isinstance(exc.__cause__, RecursionError):
        return "PDF objects are nested too deeply to read"
    message = str(exc).strip() or type(exc).__name__
    if "cyclic" in message.lower():
        return "PDF page tree refers back to itself (cyclic page references)"
    return f"corrupt PDF ({message})"


# --- one page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fragment:
    x: float
    y: float
    order: int
    text: str


def page_lines(reader: PdfReader, index: int) -> list[str]:
    """The page's text lines, normalised; "" marks a blank line (a paragraph break)."""
    drawn: list[_Fragment] = []  # every piece of text pypdf emits, in its order: together, the page's text

    def collect(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        drawn.append(_Fragment(x, y, len(drawn), text))

    try:
        text = reader.pages[index].extract_text(visitor_text=collect)
    except RecursionError:
        raise FileRejected(f"page {index + 1} is nested too deeply to read") from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise FileRejected(f"page {index + 1} cannot be read ({str(exc) or type(exc).__name__})") from None
    repaired = with_clipped_letters_restored(drawn)
    if repaired is not None:
        drawn, text = repaired, "".join(fragment.text for fragment in repaired)
    fragments = [fragment for fragment in drawn if fragment.text and (fragment.x or fragment.y)]
    if drawn_bottom_up(fragments):
        text = text_by_position(fragments)
    return [_normalise(line) for line in text.splitlines()]


def grid_page_lines(reader: PdfReader, index: int) -> list[str] | None:
    """A comparison chart's page as one line per cell item (`pdf_grid`); None for any other page."""
    try:
        layout = reader.pages[index].extract_text(extraction_mode="layout")
    except Exception:  # noqa: BLE001 - layout mode is a second reading; the plain one already succeeded
        return None
    lines = grid_lines(layout)
    return [_normalise(line) for line in lines] if lines else None


def with_clipped_letters_restored(drawn: list[_Fragment]) -> list[_Fragment] | None:
    """Some generators draw letters at a column's edge apart from their lines, so pypdf reads 'ccounting'
    and 'tak', and later, one per line, the lost letters. Each lone letter goes back onto its line: in
    front of the text just right of it (a first letter), or else after the cut word left of it (a last
    letter). None when the page has no run of such letters, or when one cannot be placed: the text is
    then left as pypdf read it."""
    glyphs = _lone_glyph_runs(drawn)
    visible = [f for f in drawn if f.text.strip()]
    if not glyphs or 2 * len(glyphs) > len(visible):
        return None  # none, or a page drawn letter by letter: pypdf has already joined its lines
    glyph_orders = {glyph.order for glyph in glyphs}
    rows: dict[int, list[_Fragment]] = {}
    for fragment in visible:
        if fragment.order not in glyph_orders:
            rows.setdefault(round(fragment.y), []).append(fragment)
    texts = {f.order: f.text for f in drawn}
    for glyph in glyphs:
        near = (f for row in (-1, 0, 1) for f in rows.get(round(glyph.y) + row, ()))
        on_line = sorted((f for f in near if abs(f.y - glyph.y) <= SAME_LINE), key=lambda f: f.order)
        letter = glyph.text.strip()
        first = [f for f in on_line if 0 < f.x - glyph.x <= CLIPPED_MAX_GAP and _CONTINUES_LETTER.match(f.text)]
        cut = [f for f in on_line if 0 < glyph.x - f.x <= COLUMN_WIDTH and _ENDS_CUT_WORD.search(texts[f.order])]
        if first:
            texts[first[0].order] = letter + texts[first[0].order]
        elif cut and letter.isalpha():
            line = max(cut, key=lambda f: f.x)
            body = texts[line.order]
            stripped = body.rstrip()
            texts[line.order] = stripped + letter + body[len(stripped) :]
        else:
            return None
        texts[glyph.order] = ""
        after = glyph.order + 1  # the letter's own line break may be drawn as a piece of its own
        while after < len(drawn) and not drawn[after].text.strip() and abs(drawn[after].y - glyph.y) <= SAME_LINE:
            texts[after] = ""
            after += 1
    return [_Fragment(f.x, f.y, f.order, texts[f.order]) for f in drawn]


_CONTINUES_LETTER = re.compile(r"^[\w)\s]")
_ENDS_CUT_WORD = re.compile(r"[A-Za-z]\s*$")


def _lone_glyph_runs(drawn: list[_Fragment]) -> list[_Fragment]:
    """Single characters drawn one after another (blank pieces between them aside), CLIPPED_MIN_GLYPHS or more."""
    found: list[_Fragment] = []
    run: list[_Fragment] = []
    for fragment in drawn:
        visible = fragment.text.strip()
        if not visible:
            continue
        if len(visible) == 1 and (fragment.x or fragment.y):
            run.append(fragment)
            continue
        if len(run) >= CLIPPED_MIN_GLYPHS:
            found.extend(run)
        run = []
    if len(run) >= CLIPPED_MIN_GLYPHS:
        found.extend(run)
    return found


def drawn_bottom_up(fragments: list[_Fragment]) -> bool:
    """True when most line changes in drawing order move up the page (some generators write that way)."""
    rows = [fragment.y for fragment in fragments if fragment.text.strip()]
    ups = downs = 0
    for previous, current in zip(rows, rows[1:]):
        if current > previous + 2:
            ups += 1
        elif current < previous - 2:
            downs += 1
    return ups >= SCRAMBLED_MIN_JUMPS and ups > SCRAMBLED_UPWARD_SHARE * (ups + downs)


def text_by_position(fragments: list[_Fragment]) -> str:
    """Rebuild reading order top-down, left to right. pypdf's newlines inside such fragments mark
    glyph repositioning, not line ends, so they are dropped."""
    ordered = sorted(fragments, key=lambda f: (-round(f.y), f.x, f.order))
    lines = []
    for _, row in groupby(ordered, key=lambda f: -round(f.y)):
        lines.append("".join(fragment.text.replace("\n", "") for fragment in row))
    return "\n".join(lines)


def _normalise(line: str) -> str:
    line = unicodedata.normalize("NFKC", line)
    for wrong, right in CHARACTER_FIXES.items():
        line = line.replace(wrong, right)
    line = LEADER_RUN.sub(" .... ", line)  # a contents line's dot leaders cost dozens of tokens each
    return " ".join(line.split())


# --- running headers and footers --------------------------------------------------------------------


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    running: set[str] = set()
    if len(pages) >= MIN_PAGES_FOR_RUNNING:
        shapes = Counter(shape for lines in pages for shape in {_shape(line) for line in _edge_lines(lines)})
        threshold = max(2, ceil(RUNNING_SHARE * len(pages)))
        running = {shape for shape, count in shapes.items() if count >= threshold}
    return [_without_running(lines, running) for lines in pages]


def _edge_lines(lines: list[str]) -> list[str]:
    return [line for _, line in _edge_positions(lines)]


def _edge_positions(lines: list[str]) -> list[tuple[int, str]]:
    filled = [(position, line) for position, line in enumerate(lines) if line]
    return filled[:EDGE_LINES] + filled[-EDGE_LINES:]


def _without_running(lines: list[str], running: set[str]) -> list[str]:
    edges = {position for position, _ in _edge_positions(lines)}
    return [
        line
        for position, line in enumerate(lines)
        if not (position in edges and (_shape(line) in running or PAGE_NUMBER.match(line)))
    ]


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line)
