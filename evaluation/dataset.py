"""The dev question set (evaluation/dev_set.yaml) as typed data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, TypeAdapter

from kb.models import Passage

DEV_SET = Path(__file__).resolve().parent / "dev_set.yaml"

QuestionType = Literal[
    "code_lookup", "numeric", "definition", "yes_no", "multi_doc", "near_miss", "unanswerable", "injection"
]


class GoldSource(BaseModel):
    document: str
    pages: list[int] = Field(default_factory=list)
    section: str | None = None
    evidence: str | None = None


class DevQuestion(BaseModel):
    id: str
    role: Literal["front_desk", "coder", "admin"]
    type: QuestionType
    question: str
    answerable: bool
    gold: list[GoldSource] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)
    expect: Literal["answer", "refuse", "correct_from_corpus"] = "answer"
    related: list[str] = Field(default_factory=list)


def load_dev_set(path: Path = DEV_SET) -> list[DevQuestion]:
    return TypeAdapter(list[DevQuestion]).validate_python(yaml.safe_load(path.read_text(encoding="utf-8")))


def normalise(text: str) -> str:
    text = text.replace("\u00ad", "").replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = re.sub(r"(\w)-\s+(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def passage_holds_gold(passage: Passage, gold: GoldSource) -> bool:
    """The passage is from the gold document and holds the answer: its evidence, page or section."""
    if passage.document != gold.document:
        return False
    if gold.evidence and normalise(gold.evidence) in normalise(passage.text):
        return True
    if gold.pages:
        return passage.page in gold.pages
    if gold.section:
        return normalise(gold.section) in normalise(f"{passage.section or ''} {passage.text}")
    return True
