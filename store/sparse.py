"""BM25-style sparse encoding. Documents carry saturated term frequencies; the store applies IDF."""

from __future__ import annotations

import re
from collections import Counter

from kb.codes import code_keywords

K1 = 1.2
B = 0.75
AVERAGE_DOCUMENT_TERMS = 110.0

_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours us shall may must""".split()
)


def stem(word: str) -> str:
    """A deliberately light stemmer: plural and common verb endings only, so codes and numbers survive."""
    if word[0].isdigit() or len(word) <= 3:
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + replacement
    return word


def terms(text: str) -> list[str]:
    """Content terms: lower-cased, stop words dropped, lightly stemmed, plus normalised codes."""
    words = [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    return words + [f"code:{code}" for code in code_keywords(text)]


def document_weights(text: str) -> dict[str, float]:
    counts = Counter(terms(text))
    length = sum(counts.values()) or 1
    norm = K1 * (1 - B + B * length / AVERAGE_DOCUMENT_TERMS)
    return {term: tf * (K1 + 1) / (tf + norm) for term, tf in counts.items()}


def query_weights(text: str) -> dict[str, float]:
    return {term: 1.0 for term in dict.fromkeys(terms(text))}
