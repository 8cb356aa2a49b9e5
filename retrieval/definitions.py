"""Definition questions ('what is a business associate?', 'what counts as a breach?') name a term that the
documents define in a sentence of their own ('Business associate means ...'). Searching for that sentence
as well finds definitions that the question's other words would outrank."""

from __future__ import annotations

import re
from functools import lru_cache

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


def defined_term(question: str) -> str | None:
    """The term a definition question asks about, or None. Codes are left to exact code matching."""
    for pattern in _DEFINITION_QUESTIONS:
        match = pattern.search(question)
        if match and not any(ch.isdigit() for ch in match.group("term")):
            return match.group("term").strip()
    return None


def definition_query(term: str) -> str:
    return f"{term} means"


def defines(term: str, text: str) -> bool:
    """The text has a sentence that defines the term ('Protected health information means ...', 'An MUE is
    ...'). A search for '<term> means' also finds other definitions; only the term's own is wanted."""
    return bool(_definition_of(term).search(text))


@lru_cache(maxsize=256)
def _definition_of(term: str) -> re.Pattern[str]:
    """Built once per term: answering tests every sentence of the evidence against it."""
    words = r"\W+".join(re.escape(word) for word in term.split())
    return re.compile(rf"\b{words}(?:e?s)?\W*(?:\s+\([^)]{{1,40}}\))?\s+{_DEFINING_VERB}", re.IGNORECASE)


_DEFINING_VERB = r"(?:means|is defined as|are defined as|refers? to|is|are|which|that (?:is|are)|describes?)\b"
