"""Recognising billing codes and regulation citations in text: one set of patterns for ingest keywords,
exact-match retrieval and claim verification.

Codes are normalised to one spelling: upper case, no dot for ICD-10-CM (`B37.31` -> `B3731`), bare
numbers for CFR sections (`§ 164.524` -> `164.524`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

CodeKind = Literal["hcpcs", "cpt", "icd10cm", "modifier", "cfr"]

_HCPCS = re.compile(r"\b([A-V]\d{4})\b")
_CPT = re.compile(r"\b(\d{4}[0-9FTU])\b")
_ICD_DOTTED = re.compile(r"\b([A-Z]\d[0-9A-Z])\.([0-9A-Z]{1,4})\b")
_ICD_BARE = re.compile(r"\b([A-Z]\d[0-9A-Z][0-9A-Z]{0,4})\b")
_CFR = re.compile(r"(?:§+\s*|\bsection\s+|\bsec\.\s*|\bCFR\s+(?:part\s+)?)(\d{2,3}\.\d{1,4})\b", re.IGNORECASE)
_CFR_BARE = re.compile(r"\b(16[0-4]\.\d{3,4})\b")
_MODIFIER_CONTEXT = re.compile(
    r"\bmodifiers?\s+((?:-?[A-Z0-9]{2}\b(?:\s*(?:,|/|and|or|&)\s*)?)+)|(?:^|(?<=\s))-([A-Z0-9]{2})\b|\b([A-Z0-9]{2})\s+modifiers?\b",
    re.IGNORECASE,
)
_MODIFIER_TOKEN = re.compile(r"[A-Z0-9]{2}", re.IGNORECASE)
_ICD_CONTEXT = re.compile(r"\b(ICD|diagnos|addend|add:|delete:|revise)", re.IGNORECASE)


# What staff type: 'g0439', 'b37.31', 'mod 59'. A letter and at least two digits is a code's shape.
_TYPED_LOWER_CODE = re.compile(r"\b[a-z]\d{2}[0-9a-z]{0,5}(?:\.[0-9a-z]{1,4})?\b")
_MODIFIER_ABBREVIATION = re.compile(r"\bmods?\.?\s+(?=-?[0-9A-Za-z]{2}\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Code:
    kind: CodeKind
    value: str


def normalise_code(text: str) -> str:
    return text.strip().upper().replace(".", "") if not _looks_like_cfr(text) else text.strip()


def _looks_like_cfr(text: str) -> bool:
    return bool(re.fullmatch(r"\d{2,3}\.\d{1,4}", text.strip()))


def find_codes(text: str) -> list[Code]:
    """All codes and CFR sections in `text`, normalised, in order of first appearance, without repeats."""
    found: dict[str, Code] = {}

    def add(kind: CodeKind, value: str) -> None:
        found.setdefault(value, Code(kind, value))

    for match in _CFR.finditer(text):
        add("cfr", match.group(1))
    for match in _CFR_BARE.finditer(text):
        add("cfr", match.group(1))
    for match in _ICD_DOTTED.finditer(text):
        add("icd10cm", (match.group(1) + match.group(2)).upper())
    for match in _HCPCS.finditer(text):
        add("hcpcs", match.group(1).upper())
    for match in _CPT.finditer(text):
        if not _is_year_or_amount(text, match):
            add("cpt", match.group(1).upper())
    if _ICD_CONTEXT.search(text):
        for match in _ICD_BARE.finditer(text):
            value = match.group(1).upper()
            if any(ch.isdigit() for ch in value[1:]) and value not in found:
                add("icd10cm", value)
    for modifier in find_modifiers(text):
        add("modifier", modifier)
    return list(found.values())


def find_modifiers(text: str) -> list[str]:
    """Two-character modifiers named as such: 'modifier 59', 'modifiers XE, XS', '-GA', 'GA modifier'."""
    modifiers: list[str] = []
    for match in _MODIFIER_CONTEXT.finditer(text):
        if match.group(1):
            candidates = _MODIFIER_TOKEN.findall(match.group(1))
        else:
            candidates = [match.group(2) or match.group(3)]
        for candidate in candidates:
            value = candidate.upper()
            if plausible_modifier(value) and value not in modifiers:
                modifiers.append(value)
    return modifiers


def plausible_modifier(value: str) -> bool:
    return value not in {"OR", "AN", "TO", "OF", "IN", "ON", "IS", "IT", "AS", "AT", "BY", "BE", "IF", "NO", "SO", "DO", "WE", "US"}


def _is_year_or_amount(text: str, match: re.Match[str]) -> bool:
    """A 5-digit run that is part of a money amount or a longer number ($10,000; 72,750) is no code."""
    before = text[max(0, match.start() - 2) : match.start()]
    after = text[match.end() : match.end() + 2]
    return "$" in before or bool(re.match(r"[,.]\d", after)) or bool(re.search(r"\d[,.]$", before))


def as_typed_in_documents(query: str) -> str:
    """A question with its codes spelled as the documents spell them ('what is g0439?' -> 'G0439',
    'mod 59' -> 'modifier 59', 'FY23' -> 'FY2023'), so that exact code matching finds them."""
    query = _MODIFIER_ABBREVIATION.sub("modifier ", query)
    query = _SHORT_FISCAL_YEAR.sub(lambda m: f"{m.group(1)}20{m.group(2)}", query)
    query = _BRACED_MODIFIERS.sub(lambda m: "modifiers " + ", ".join(m.group(1) + last for last in m.group(2)), query)
    return _TYPED_LOWER_CODE.sub(lambda match: match.group(0).upper(), query)


# 'FY23', 'CY 24': the documents write the year in full ('FY2023')
_SHORT_FISCAL_YEAR = re.compile(r"\b(FY|CY)\s?'?(\d{2})\b", re.IGNORECASE)

# 'X{EPSU}', coders' shorthand for the modifiers XE, XP, XS and XU
_BRACED_MODIFIERS = re.compile(r"\b([A-Z])\{([A-Z0-9]{2,8})\}")


def code_keywords(text: str) -> list[str]:
    """The normalised values only, for storing as exact-match keywords."""
    return [code.value for code in find_codes(text)]
