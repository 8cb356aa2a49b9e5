"""Parse one file into ParsedBlocks. The file's bytes decide its type; the extension only picks among
text kinds. Anything we cannot read faithfully is refused with FileRejected, never guessed at.

Run this inside `ingest.sandbox` (its own process, time and memory limits): parsers of untrusted
files can hang or blow up, and the heavy libraries (unstructured, spaCy) are imported only there.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

import kb  # noqa: F401  (offline, no-telemetry environment before any parser library loads)
from kb.codes import code_keywords
from kb.errors import FileRejected
from kb.models import ParsedBlock

Format = Literal["pdf", "doc", "docx", "html", "markdown", "csv", "txt"]

TEXT_FORMATS: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "txt",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # the PDF spec lets a few bytes of junk precede the header

SUPPORTED = "PDF, Word (.docx, .doc), HTML, Markdown, CSV, plain text"


def parse_document(path: Path, max_pdf_pages: int = 5000) -> list[ParsedBlock]:
    """Blocks in document order, each with the code keywords found in its text."""
    file_format = detect_format(path)
    blocks = _parse(path, file_format, max_pdf_pages)
    return [_with_code_keywords(block) for block in blocks if block.text.strip()]


def detect_format(path: Path) -> Format:
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("empty file (0 bytes)")
    with open(path, "rb") as handle:
        head = handle.read(PDF_HEADER_WINDOW)
    extension = path.suffix.lower()
    if PDF_MAGIC in head:
        return "pdf"
    if extension == ".pdf":
        raise FileRejected("named .pdf but is not a PDF (no %PDF- header)")
    if head.startswith(OLE2_MAGIC):
        if extension == ".doc":
            return "doc"
        raise FileRejected(f"an OLE2 (old Office) file named '{path.name}'; only Word .doc is supported")
    if head.startswith(ZIP_MAGIC):
        if _is_docx(path):
            return "docx"
        raise FileRejected("a zip archive that is not a Word .docx document (no word/document.xml)")
    if extension in (".doc", ".docx"):
        raise FileRejected(f"named {extension} but is not a Word document")
    if extension not in TEXT_FORMATS:
        raise FileRejected(f"unsupported file type '{extension or path.name}' (supported: {SUPPORTED})")
    return TEXT_FORMATS[extension]


def read_text(path: Path) -> str:
    """UTF-8 text (a byte-order mark is dropped); anything else is refused rather than mis-decoded."""
    data = path.read_bytes()
    if b"\x00" in data:
        raise FileRejected("binary content (NUL bytes) in a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile as exc:
        raise FileRejected(f"corrupt zip/docx file ({exc})") from None


def _parse(path: Path, file_format: Format, max_pdf_pages: int) -> list[ParsedBlock]:
    # Imported here so a worker that only ever sees CSV never pays for pypdf or unstructured.
    if file_format == "pdf":
        from ingest.parsers.pdf import parse_pdf

        return parse_pdf(path, max_pages=max_pdf_pages)
    if file_format in ("doc", "docx", "html", "markdown"):
        from ingest.parsers import office

        if file_format == "doc":
            return office.parse_doc(path)
        if file_format == "docx":
            return office.parse_docx(path)
        if file_format == "html":
            return office.parse_html(read_text(path))
        return office.parse_markdown(read_text(path))
    from ingest.parsers import records

    if file_format == "csv":
        return records.parse_csv(read_text(path))
    return records.parse_text(read_text(path))


def _with_code_keywords(block: ParsedBlock) -> ParsedBlock:
    keywords = list(dict.fromkeys([*block.keywords, *code_keywords(block.text)]))
    return block.model_copy(update={"keywords": keywords})
