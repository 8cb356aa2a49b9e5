"""Checkable facts in text: money amounts, percentages, dates, durations, bare numbers and codes.

One normal form for each, so that `$1,000` matches `$1000`, `six years` matches `6-year` and
`March 26, 2013` matches `3/26/2013`. The verifier compares a claim's facts with its cited passages'
facts; the gate asks whether an evidence sentence holds a fact of the kind a question asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from answering.text import clean
from kb.codes import find_codes

FactKind = Literal["money", "percent", "date", "duration", "number", "code", "name"]

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_MONTHS = {
    name: index
    for index, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}

_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_WORD_NUMBER = (
    r"(?:(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(k for k in _UNITS if _UNITS[k] and _UNITS[k] < 10) + r"))?"
    r"|" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
)
_NUMBER = rf"(?:{_DIGITS}|{_WORD_NUMBER}\b(?:\s+(?:hundred|thousand))?)"
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

_MONEY = re.compile(
    rf"\$\s?(?P<n>{_DIGITS})(?:\s*(?P<scale>million|billion|thousand)\b)?"
    rf"|\b(?P<n2>{_NUMBER})\s*(?P<scale2>million|billion|thousand)?\s+(?:dollars|usd)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(rf"(?<![\w.])(?P<n>{_NUMBER})\s?(?:%|percent\b|per\s+cent\b)", re.IGNORECASE)
_DATE_MDY_WORDS = re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.IGNORECASE)
_DATE_DMY_WORDS = re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH})\s+(?P<y>\d{{4}})\b", re.IGNORECASE)
_DATE_MY_WORDS = re.compile(rf"\b(?P<m>{_MONTH})\s+(?:of\s+)?(?P<y>\d{{4}})\b", re.IGNORECASE)
_DATE_MD_WORDS = re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?![,.]?\s*\d)", re.IGNORECASE)
_DATE_NUMERIC = re.compile(r"(?<![\w/.])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\w/])")
_DATE_ISO = re.compile(r"(?<![\w-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w-])")
_DURATION = re.compile(
    rf"(?<![\w.$])(?P<n>{_NUMBER})(?:\s*\(\s*{_DIGITS}\s*\))?\s*-?\s*"
    r"(?:(?:or\s+(?:more|fewer|less|longer)|full|consecutive|additional)\s+)?"  # '63 or more days', '2 full months'
    r"(?:(?P<qualifier>calendar|business|working)\s*-?\s*)?"
    r"(?P<unit>days?|weeks?|months?|years?|hours?|minutes?|seconds?)\b",
    re.IGNORECASE,
)
# 'ICD-10-CM', 'COVID-19', 'Form I-9': the number is part of a name, not a quantity the text states.
_NUMBERED_NAME = re.compile(r"(?<![A-Z0-9_-])[A-Z][A-Za-z]{0,9}-\d{1,4}(?:-[A-Za-z]{1,4})?(?![\w-])")
_BARE_DIGITS = re.compile(rf"(?<![A-Za-z0-9.,])(?P<n>{_DIGITS})(?:st|nd|rd|th)?(?![0-9])")
_BARE_WORDS = re.compile(rf"\b(?P<n>{_WORD_NUMBER})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    value: str
    unit: str = ""
    written: str = ""


@dataclass(frozen=True)
class Facts:
    """The typed facts of a text, plus every numeric value written in it in any form."""

    facts: tuple[Fact, ...] = ()
    numbers: frozenset[str] = field(default_factory=frozenset)

    def of_kind(self, kind: FactKind) -> list[Fact]:
        return [fact for fact in self.facts if fact.kind == kind]

    def kinds(self) -> set[FactKind]:
        return {fact.kind for fact in self.facts}


def number_value(written: str) -> str | None:
    """'1,000' -> '1000', '007' -> '7', 'thirty' -> '30', 'twenty-five' -> '25', 'six hundred' -> '600'.
    Decimals stay as written ('164.530' is not '164.53'); amounts are compared with `amount_value`."""
    text = written.strip().casefold().replace(",", "")
    if re.fullmatch(r"\d+", text):
        return str(int(text))
    if re.fullmatch(r"\d+\.\d+", text):
        return text
    total = 0
    current = 0
    for token in re.split(r"[\s-]+", text):
        if token in _UNITS:
            current += _UNITS[token]
        elif token in _TENS:
            current += _TENS[token]
        elif token in _SCALES:
            current = max(current, 1) * _SCALES[token]
            if _SCALES[token] >= 1000:
                total, current = total + current, 0
        elif token:
            return None
    return str(total + current)


def _canonical(number: Decimal) -> str:
    normalised = number.normalize()
    return format(normalised, "f") if normalised == normalised.to_integral() else str(normalised)


def amount_value(written: str, scale: str | None = None) -> str | None:
    """Money and percentages: '$1,000.00' and '$1000' are one amount; '1.5 million' is 1500000."""
    value = number_value(written)
    if value is None:
        return None
    amount = Decimal(value) * (_SCALES[scale.casefold()] if scale else 1)
    return _canonical(amount)


def _year(written: str) -> int:
    year = int(written)
    if len(written) == 2:
        year += 2000 if year < 50 else 1900
    return year


def _date(year: int, month: int, day: int | None) -> str | None:
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")


def extract_facts(text: str) -> Facts:
    """Typed facts first (their spans are then off limits), then the bare numbers left over, then codes."""
    text = clean(text)
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = []
    numbers: set[str] = set()

    def free(match: re.Match[str]) -> bool:
        return not any(match.start() < end and start < match.end() for start, end in taken)

    def add(kind: FactKind, value: str | None, match: re.Match[str], unit: str = "") -> None:
        if value is None or not free(match):
            return
        facts.append(Fact(kind, value, unit, match.group(0)))
        taken.append((match.start(), match.end()))

    for match in _MONEY.finditer(text):
        if match.group("n"):
            add("money", amount_value(match.group("n"), match.group("scale")), match)
        else:
            add("money", amount_value(match.group("n2"), match.group("scale2")), match)
    for match in _PERCENT.finditer(text):
        add("percent", amount_value(match.group("n")), match)
    for pattern in (_DATE_MDY_WORDS, _DATE_DMY_WORDS, _DATE_ISO, _DATE_NUMERIC):
        for match in pattern.finditer(text):
            month = match.group("m")
            month_number = int(month) if month.isdigit() else _MONTHS[month.casefold().rstrip(".")]
            add("date", _date(_year(match.group("y")), month_number, int(match.group("d"))), match)
    for match in _DATE_MD_WORDS.finditer(text):
        if match.group("m").casefold().rstrip(".") == "may" and not match.group(0)[0].isupper():
            continue
        month_number = _MONTHS[match.group("m").casefold().rstrip(".")]
        day = int(match.group("d"))
        add("date", f"--{month_number:02d}-{day:02d}" if 1 <= day <= 31 else None, match)
    for match in _DATE_MY_WORDS.finditer(text):
        if match.group("m").casefold().rstrip(".") == "may" and not match.group(0)[0].isupper():
            continue  # 'may 2013' in running text is the verb
        add("date", _date(int(match.group("y")), _MONTHS[match.group("m").casefold().rstrip(".")], None), match)
    for match in _DURATION.finditer(text):
        qualifier = (match.group("qualifier") or "").casefold()
        unit = match.group("unit").casefold().rstrip("s")
        unit = f"{qualifier} {unit}" if qualifier in {"business", "working"} else unit
        add("duration", number_value(match.group("n")), match, unit)

    for match in _NUMBERED_NAME.finditer(text):
        add("name", match.group(0).upper(), match)
    for fact in facts:
        if fact.kind != "name":
            numbers.update(_numbers_inside(fact))
    named = [(start, end) for fact, (start, end) in zip(facts, taken) if fact.kind == "name"]

    def in_name(match: re.Match[str]) -> bool:
        return any(start <= match.start() and match.end() <= end for start, end in named)

    for match in _BARE_DIGITS.finditer(text):
        value = number_value(match.group("n"))
        if value is not None and not in_name(match):
            numbers.add(value)
            if free(match):
                facts.append(Fact("number", value, "", match.group(0)))
    for match in _BARE_WORDS.finditer(text):
        value = number_value(match.group("n"))
        if value is not None:
            numbers.add(value)
            if free(match):
                facts.append(Fact("number", value, "", match.group(0)))
    for code in find_codes(text):
        facts.append(Fact("code", code.value, code.kind, code.value))
    return Facts(tuple(facts), frozenset(numbers))


def _numbers_inside(fact: Fact) -> set[str]:
    if fact.kind == "date":
        if fact.value.startswith("--"):
            return {str(int(fact.value[-2:]))}
        year, _, rest = fact.value.partition("-")
        day = rest.partition("-")[2]
        return {str(int(year))} | ({str(int(day))} if day else set())
    return {fact.value}


def has_fact_of_kind(facts: Facts, kind: FactKind) -> bool:
    if kind == "number":
        return bool(facts.numbers)
    return any(fact.kind == kind for fact in facts.facts)
