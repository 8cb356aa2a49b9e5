"""Text helpers shared by the gate, the extractive backend and the verifier: one normal form for
matching quotes, one tokeniser for content terms, one sentence splitter for passages."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from kb.vocabulary import PLAIN_TO_FORMAL

_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_SINGLE_QUOTES = re.compile(r"[\u2018\u2019\u201a\u201b\u2032\u0060\u00b4]")
_DOUBLE_QUOTES = re.compile(r"[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]")
_HYPHEN_JOIN = re.compile(r"(\w)-\s*(\w)")
_SPACE_BEFORE_CLOSER = re.compile(r"\s+([)\]},.;:!?])")
_SPACE_AFTER_OPENER = re.compile(r"([(\[{])\s+")
_WHITESPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """Unicode compatibility form (ligatures, full-width forms), one kind of quote and dash, no soft
    hyphens or zero-width characters. Keeps case and line breaks."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")
    text = _DASHES.sub("-", text)
    text = _SINGLE_QUOTES.sub("'", text)
    return _DOUBLE_QUOTES.sub('"', text)


def match_form(text: str) -> str:
    """The form quotes are compared in: cleaned, case-folded, hyphenation and line-end hyphens joined,
    whitespace collapsed, no space inside brackets or before punctuation."""
    text = clean(text).casefold()
    text = _WHITESPACE.sub(" ", text)
    text = _HYPHEN_JOIN.sub(r"\1\2", text)
    text = _SPACE_BEFORE_CLOSER.sub(r"\1", text)
    text = _SPACE_AFTER_OPENER.sub(r"\1", text)
    return text.strip()


def display_form(text: str) -> str:
    """How a quote is shown: cleaned, on one line."""
    return _WHITESPACE.sub(" ", clean(text)).strip()


STOPWORDS = frozenset(
    """a an the and or nor but if then than so as of to in on at by for from with without within into onto
    over under about above below between through during before after upon per via vs versus
    is are was were be been being am do does did done doing have has had having can could may might must
    shall should will would need needs i me my we our ours us you your yours he she it its they them their
    this that these those there here what which who whom whose when where why how whether
    not no yes any all each every some such other another same more most less least very also only just
    too own both either neither one ones s t get gets got make makes made let lets please tell say says said
    know want like use used using give given much many her him his hers she he it's its there there's here's
    what's that's who's where's when's how's i'm i've i'd i'll we're we've we'd we'll you're you've they're
    they've isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't shouldn't mustn't
    haven't hasn't hadn't someone somebody something anyone anybody anything everyone everybody everything
    go goes going went gone come comes coming came put puts try tries trying think thinks
    actually really just still now right okay ok even already back up down out off
    because since until unless although though whereas""".split()
)
# Pronouns, contractions and light verbs carry no topic: whether a question is on the documents' topic is
# decided by its other words.

# Words that ask *how* to answer rather than *what*; they never decide whether evidence covers a question.
QUESTION_FRAMING = frozenset(
    """long soon often quickly frequently far according document documents corpus text say says said state states stated mention mentions
    describe describes explain explains define defines definition mean means meaning require requires
    required requirement requirements rule rules policy policies""".split()
)


def _build_alternatives() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for plain, formal in PLAIN_TO_FORMAL.items():
        key = stem(plain)
        table[key] = frozenset({key} | {stem(w) for w in formal.split()})
    return table


def term_alternatives(term: str) -> frozenset[str]:
    """The stemmed term and the formal words that say the same thing."""
    return _ALTERNATIVES.get(term, frozenset({term}))


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*|\d[\d,.]*\d|\d")


def stem(word: str) -> str:
    """A light suffix stripper: enough to match request/requests/requested, notify/notification,
    delete/deleted/deletion, revise/revision, add/addition, define/definition."""
    w = word.casefold().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, replacement in (
        ("ically", "ic"), ("ally", "al"),  # 'automatically' is 'automatic', 'annually' is 'annual'
        ("ications", "y"), ("ication", "y"), ("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""),
        ("ations", "ate"), ("ation", "ate"), ("ctions", "ct"), ("ction", "ct"), ("ptions", "pt"), ("ption", "pt"),
        ("etions", "et"), ("etion", "et"), ("isions", "is"), ("ision", "is"), ("itions", ""), ("ition", ""),
        ("ments", ""), ("ment", ""), ("ness", ""),
        ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"), ("zes", "z"), ("ss", "ss"), ("s", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + replacement
            break
    if len(w) >= 4 and w.endswith("e") and not w.endswith("ee"):
        w = w[:-1]  # 'delete', 'deleted' and 'deletion' are one word
    return w


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning, in order, without repeats."""
    seen: dict[str, None] = {}
    cleaned = clean(text)
    for word in _WORD.findall(cleaned):
        lowered = word.casefold()
        if lowered in STOPWORDS or (len(lowered) < 2 and not lowered.isdigit()):
            continue
        stemmed = stem(lowered)
        if stemmed in STOPWORDS:  # 'wants', 'comes': the stopword in another form
            continue
        seen.setdefault(stemmed, None)
    for prefix, rest in _PREFIXED.findall(cleaned):
        seen.setdefault(stem((prefix + rest).casefold()), None)  # 'non-participating' is 'nonparticipating'
    return list(seen)


_PREFIXED = re.compile(r"\b(non|co|re|pre|sub|multi|inter|anti|post)-([A-Za-z]{3,})\b", re.IGNORECASE)


_ALTERNATIVES = _build_alternatives()

# Words that ask when, not about what: a sentence sharing only these with a question is on another topic.
TIME_WORDS = frozenset(
    stem(word) for word in "deadline deadlines time times timing timeline timeframe period date dates day days soon".split()
)


_LINE_UNIT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
_LIST_MARKER = re.compile(r"^\s*(?:[*•▪◦·\-+]|\d{1,3}[.)]|[a-z][.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_TERMINAL = re.compile(r"[.!?:;]\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])([\"')\]]?)\s+(?=[\"'(\[§]?[A-Z0-9§(])")
_ABBREVIATION_END = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|No|Nos|Sec|Secs|Dec|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Mr|Ms|Mrs|Dr|St|Inc|Co|Corp|"
    r"U\.S|U\.S\.C|C\.F\.R|Pub|L|pp?|para|Fig|approx|cf|al)\.|\b[A-Z]\.)$"
)
_BARE_ENUMERATOR = re.compile(r"^\s*(?:[*•\-+]\s*)?(?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,5})[.)]$")
MAX_SENTENCE_WORDS = 130


def split_sentences(text: str, document: str = "") -> list[str]:
    """Sentences of a passage. Record files (CSV, TXT) are one record a line; prose (PDF, HTML, Word,
    Markdown) is reflowed across soft line breaks and split at sentence ends, list items and headings."""
    if PurePosixPath(document).suffix.lower() in _LINE_UNIT_SUFFIXES:
        return _record_lines(text)
    sentences: list[str] = []
    for block in _blocks(text):
        sentences.extend(_split_block(block))
    return [s for s in sentences if s]


_COUNT_LINE = re.compile(r"^\d[\d,]*\s+[A-Za-z]")  # '1176 additions', '73639 codes in icd10cm_order_2023.txt'


def _record_lines(text: str) -> list[str]:
    """One record a line. A run of count lines ('1176 additions', '287 deletions', '28 revisions') is a
    file's summary table, read whole: a count alone on its line does not say what it counts within."""
    units: list[str] = []
    previous_was_count = False
    for line in (raw.strip() for raw in text.splitlines()):
        is_count = bool(_COUNT_LINE.match(line))
        if is_count and previous_was_count:
            units[-1] = f"{units[-1]} {line}"
        elif len(line.split()) >= 2:
            units.append(line)
        previous_was_count = is_count
    return units


def _blocks(text: str) -> list[str]:
    """Paragraph-like runs of lines: a blank line, a heading or a list item starts a new block; a line
    after a heading starts one too."""
    blocks: list[list[str]] = [[]]
    previous_was_heading = False
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            blocks.append([])
            previous_was_heading = False
            continue
        starts_block = bool(_HEADING.match(line) or _LIST_MARKER.match(line)) or previous_was_heading
        if starts_block and blocks[-1]:
            blocks.append([])
        blocks[-1].append(line)
        previous_was_heading = bool(_HEADING.match(line))
    return [" ".join(lines) for lines in blocks if lines]


def _split_block(block: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(block):
        candidate = block[start : match.start() + len(match.group(1))].rstrip()
        if _ABBREVIATION_END.search(candidate) or _BARE_ENUMERATOR.match(candidate):
            continue
        pieces.append(candidate)
        start = match.end()
    pieces.append(block[start:].strip())
    if len(pieces) > 1 and _is_run_in_heading(pieces[0]):
        pieces[0:2] = [f"{pieces[0]} {pieces[1]}"]
    out: list[str] = []
    for piece in pieces:
        out.extend(_cap_length(piece.strip()))
    return out


RUN_IN_HEADING_WORDS = 5


def _is_run_in_heading(sentence: str) -> bool:
    """'(A) Risk analysis (Required).' opens its paragraph and names what the next sentence rules: the two
    are one statement ('Risk analysis (Required). Conduct an accurate and thorough assessment ...')."""
    if not _ENUMERATOR_PREFIX.match(sentence):
        return False
    words = strip_list_marker(sentence).split()
    return 0 < len(words) <= RUN_IN_HEADING_WORDS and sentence.endswith(".")


def _cap_length(sentence: str) -> list[str]:
    """Tables flattened into prose make run-on 'sentences'; cut them at semicolons, then by word count."""
    tokens = sentence.split()
    if len(tokens) <= MAX_SENTENCE_WORDS:
        return [sentence]
    parts = [p.strip() for p in re.split(r"(?<=;)\s+", sentence) if p.strip()]
    if len(parts) > 1:
        return [piece for part in parts for piece in _cap_length(part)]
    return [" ".join(tokens[i : i + MAX_SENTENCE_WORDS]) for i in range(0, len(tokens), MAX_SENTENCE_WORDS)]


_ENUMERATOR_PREFIX = re.compile(r"^\s*(?:\((?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,5})\))+\s+(?=\S)")


def strip_list_marker(sentence: str) -> str:
    """'* item', '2. item', '(i) item', '## Heading' -> the words themselves; the next item's marker left at
    the end ('... per day of service. d') goes too."""
    text = _HEADING.sub("", sentence)
    text = _LIST_MARKER.sub("", text)
    text = _NEXT_ITEM_MARKER.sub("", text)
    return _ENUMERATOR_PREFIX.sub("", text).strip()


_NEXT_ITEM_MARKER = re.compile(r"(?<=[.;:])\s+\(?(?:[a-z]|[ivx]{1,4}|\d{1,2})[.)]?\s*$")


def is_heading_like(sentence: str) -> bool:
    """A heading or label: no verb-bearing clause, short, without final punctuation."""
    return bool(_HEADING.match(sentence)) or (len(sentence.split()) <= 8 and not _TERMINAL.search(sentence))


_JOINING_WORDS = ("of", "for", "and", "on", "the")


def spelled_out(acronym: str, text: str, joined: bool = False) -> bool:
    """'PHI' is covered by 'protected health information', 'ME/CFS' by its two spelled-out parts. `joined`: a
    small joining word may sit between the words ('HHS Office for Civil Rights' spells 'OCR'); only for a
    name such as a publisher's, since in running text it finds 'HHS' in every 'Health and Human Services'."""
    parts = [p for p in re.split(r"[/-]", acronym) if p]
    if not parts or not all(p.isupper() and p.isalpha() and 2 <= len(p) <= 6 for p in parts):
        return False
    words = re.findall(r"[A-Za-z]+", text)
    initials = "".join(w[0] for w in words if not (joined and w.casefold() in _JOINING_WORDS)).upper()
    return all(part in initials and _initials_match(part, text, joined) for part in parts)


def _initials_match(part: str, text: str, joined: bool) -> bool:
    """Consecutive words with those initials, none of them a stopword ('in the' never spells 'IT')."""
    joint = rf"[\s/-]+(?:(?:{'|'.join(_JOINING_WORDS)})[\s/-]+)?" if joined else r"[\s/-]+"
    pattern = joint.join(rf"({letter}[a-z]{{2,}})" for letter in part)
    for match in re.finditer(rf"\b{pattern}\b", text, re.IGNORECASE):
        if not any(word.casefold() in STOPWORDS for word in match.groups()):
            return True
    return False
