"""Definition questions ('what is a business associate?', 'what counts as a breach?') name a term that the
documents define in a sentence of their own ('Business associate means ...'). Searching for that sentence
as well finds definitions that the question's other words would outrank."""

from __future__ import annotations

import re
from functools import lru_cache

from store.sparse import STOPWORDS

_TERM = r"['\"‘“]?(?P<term>[A-Za-z][\w/&-]*(?: [\w/&-]+){0,4}?)['\"’”]?"
_TERM_END = r"(?=\s*[?,]| in | under | according| as used|\s*$)"
_DEFINITION_QUESTIONS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\bwhat(?:'s| is| are)(?: exactly| legally)? (?:an? )" + _TERM + _TERM_END,
        r"\bwhat (?:exactly |legally )?counts as (?:an? |the )?" + _TERM + _TERM_END,
        r"\bmean by " + _TERM + _TERM_END,
        r"\bwhat does " + _TERM + r" mean\b",
        r"\bdefin(?:e|es|ition of) (?:an? |the )?" + _TERM + _TERM_END,
    )
)


def defined_terms(question: str) -> tuple[str, ...]:
    """The terms a definition question asks about: one, or two that it compares ('what's the difference
    between a precursor and an indication?'). Codes are left to exact code matching."""
    compared = _COMPARISON.search(question)
    if compared:
        pair = tuple(compared.group(name).strip() for name in ("first", "second"))
        if not any(ch.isdigit() for term in pair for ch in term):
            return pair
    for pattern in _DEFINITION_QUESTIONS:
        match = pattern.search(question)
        if match and not any(ch.isdigit() for ch in match.group("term")):
            return (match.group("term").strip(),)
    return ()


_COMPARED_TERM = r"(?:an? |the )?['\"‘“]?(?P<{name}>[A-Za-z][\w/&-]*(?: [\w/&-]+){{0,3}}?)['\"’”]?"
_COMPARISON = re.compile(
    r"\b(?:difference|differences|distinction) between "
    + _COMPARED_TERM.format(name="first")
    + r" and "
    + _COMPARED_TERM.format(name="second")
    + r"(?=\s*[?,.]|\s+(?:in|under|according)\b|\s*$)",
    re.IGNORECASE,
)


def definition_query(term: str) -> str:
    return f"{term} means"


def defines(term: str, text: str) -> bool:
    """The text has a sentence that defines the term ('Protected health information means ...', 'An MUE is
    ...'). A search for '<term> means' also finds other definitions; only the term's own is wanted."""
    return any(
        not points_elsewhere(text, match.end())
        and not gives_an_example(text, match.start())
        and not names_a_narrower_term(text, match.start())
        for match in _definition_of(term).finditer(text)
    )


def states_definition(term: str, text: str) -> bool:
    """Stricter than `defines`: the sentence says what the term is ('MUEs are unit of service edits',
    'Breach means ...'), not merely something about it ('MUEs are based on ...', 'The MUEs are "0" ...')."""
    for match in _definition_of(term).finditer(text):
        if match.group("glossary"):
            return True
        words = match.group(0).casefold().split()
        verb = words[-1]
        if "that" in words or verb not in _STATING_VERBS | {"is", "are"} or points_elsewhere(text, match.end()):
            continue  # 'a business associate that is a subcontractor' says something else
        if gives_an_example(text, match.start()) or names_a_narrower_term(text, match.start()):
            continue
        if verb in _STATING_VERBS:
            return True
        before = text[: match.start()]
        is_subject = len(before.split()) <= _SUBJECT_WORDS or before.rstrip().endswith(":")
        if is_subject and not _NOT_A_DESCRIPTION.match(text, match.end()):
            return True
    return False


_SUBJECT_WORDS = 6
_STATING_VERBS = frozenset({"means", "as", "to"})  # 'means', 'is defined as', 'refers to'


_NOT_A_DESCRIPTION = re.compile(r"\s*(?:[\"“'‘\d(]|\w+ed\b|not\b|also\b|subject\b|only\b|required\b|usually\b)", re.IGNORECASE)


def points_elsewhere(text: str, after_verb: int) -> bool:
    """'MUEs are described in Chapter I, Section V': the sentence says where the term is defined, not what
    it is."""
    return bool(_POINTER.match(text, after_verb))


def gives_an_example(text: str, term_start: int) -> bool:
    """'An example of upcoding is an instance when ...' describes one case of the term, not the term."""
    return bool(_EXAMPLE_OF.search(text[:term_start]))


def names_a_narrower_term(text: str, term_start: int) -> bool:
    """'Unsecured protected health information means ...' and 'Sale of protected health information means ...'
    define narrower things than 'protected health information': a word of their own name, or the 'of' that
    makes the asked term a complement, stands right before it."""
    before = _WORD_BEFORE.search(text, max(0, term_start - 40), term_start)
    if not before:
        return False
    word = before.group(1).casefold()
    return word == "of" or (word not in STOPWORDS and word not in _NAMING_WORDS)


_WORD_BEFORE = re.compile(r"\b([A-Za-z][\w-]*)\s+$")
_NAMING_WORDS = frozenset({"term", "terms", "word", "words", "phrase", "called", "named"})


_EXAMPLE_OF = re.compile(r"\b(?:examples?|instances?|illustrations?)\s+of\s+(?:an?\s+|the\s+)?$", re.IGNORECASE)


_POINTER = re.compile(
    r"\s*(?:also\s+|further\s+|more\s+fully\s+)?(?:described|discussed|addressed|listed|found|located|explained|"
    r"set\s+forth|covered|defined)\s+(?:in|at|under|on)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=256)
def _definition_of(term: str) -> re.Pattern[str]:
    """Built once per term: answering tests every sentence of the evidence against it."""
    words = r"\W+".join(re.escape(word) for word in term.split())
    plain = rf"\b{words}(?:e?s)?\W*(?:\s+\([^)]{{1,40}}\))?\s+{_DEFINING_VERB}"
    # 'An MUE for a HCPCS/CPT code is the maximum ...': a generic instance ('a'/'an', not 'the MUE for a
    # knee brace is 2') with a short qualifier before its verb.
    qualified = rf"(?:^|[.;:]\s+|\b(?:an?|any)\s+){words}\s+{_QUALIFIER}\s+(?:is|are|means)\b"
    # A glossary line: '* **Precursors** - A sign that an incident may occur in the future.'
    glossary = rf"^[\s*•\-\d.)]*(?P<glossary>{words}(?:e?s)?)\W*\s+[-–—:]\s+(?=[A-Z])"
    return re.compile(rf"{plain}|{qualified}|{glossary}", re.IGNORECASE | re.MULTILINE)


_QUALIFIER = r"(?:for|of|in|under|on)\s+(?:an?\s+|any\s+)?[\w/-]+(?:\s+[\w/-]+){0,2}"


_DEFINING_VERB = r"(?:means|is defined as|are defined as|refers? to|is|are|which|that (?:is|are)|describes?)\b"
