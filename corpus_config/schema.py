"""The corpus config: which documents exist, which collection each belongs to, and who may read it."""

from __future__ import annotations

import fnmatch
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from kb.errors import ConfigError
from kb.models import ROLES, DocumentInfo

EMBEDDING_WINDOW_TOKENS = 256


class ChunkingConfig(BaseModel):
    model_config = {"extra": "forbid"}

    max_tokens: int = Field(200, ge=32, le=EMBEDDING_WINDOW_TOKENS, description="Upper bound per chunk, in model tokens.")
    overlap_tokens: int = Field(24, ge=0, le=128)
    min_tokens: int = Field(12, ge=0, description="Smaller trailing pieces are merged into their neighbour.")

    @model_validator(mode="after")
    def _overlap_below_max(self) -> "ChunkingConfig":
        if self.overlap_tokens >= self.max_tokens // 2:
            raise ValueError("overlap_tokens must be less than half of max_tokens")
        return self


class CollectionConfig(BaseModel):
    model_config = {"extra": "forbid"}

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    description: str = ""
    roles: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1, description="Globs relative to the corpus root.")

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; allowed: {list(ROLES)}")
        return roles


class DocumentConfig(BaseModel):
    model_config = {"extra": "forbid"}

    title: str
    publisher: str | None = None
    effective_date: date | None = None
    dated: str | None = Field(None, description="Shown with every answer citing this document.")


class CorpusConfig(BaseModel):
    model_config = {"extra": "forbid"}

    corpus_root: Path
    chunking: ChunkingConfig = ChunkingConfig()
    collections: list[CollectionConfig] = Field(min_length=1)
    documents: dict[str, DocumentConfig] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list, description="Globs never ingested.")

    @model_validator(mode="after")
    def _unique_collection_names(self) -> "CorpusConfig":
        names = [c.name for c in self.collections]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate collection names {duplicates}")
        return self

    def collection_named(self, name: str) -> CollectionConfig:
        for collection in self.collections:
            if collection.name == name:
                return collection
        raise KeyError(name)

    def collections_for_role(self, role: str) -> list[str]:
        return [c.name for c in self.collections if role in c.roles]

    def collection_for(self, relative_path: str) -> CollectionConfig | None:
        """First collection whose source globs match; None when unmatched or excluded."""
        if any(fnmatch.fnmatch(relative_path, pattern) for pattern in self.exclude):
            return None
        for collection in self.collections:
            if any(fnmatch.fnmatch(relative_path, pattern) for pattern in collection.sources):
                return collection
        return None

    def document_info(self, relative_path: str) -> DocumentInfo | None:
        collection = self.collection_for(relative_path)
        if collection is None:
            return None
        declared = self.documents.get(relative_path)
        return DocumentInfo(
            path=relative_path,
            collection=collection.name,
            roles=list(collection.roles),
            title=declared.title if declared else _title_from_filename(relative_path),
            publisher=declared.publisher if declared else None,
            effective_date=declared.effective_date.isoformat() if declared and declared.effective_date else None,
            dated_note=declared.dated if declared else None,
        )

    def discover(self) -> list[DocumentInfo]:
        """Every file under the corpus root that some collection claims, sorted by path."""
        found = []
        for path in sorted(self.corpus_root.rglob("*")):
            if path.is_file():
                info = self.document_info(path.relative_to(self.corpus_root).as_posix())
                if info is not None:
                    found.append(info)
        return found


def _title_from_filename(relative_path: str) -> str:
    stem = Path(relative_path).stem
    return stem.replace("_", " ").replace("-", " ").strip().capitalize()


def load_corpus_config(path: Path, corpus_root_override: Path | None = None) -> CorpusConfig:
    """Parse and validate; every problem is reported as `<file>: <field>: <problem>`."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: corpus config file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a mapping with collections, documents and chunking")
    try:
        config = CorpusConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
    root = corpus_root_override or config.corpus_root
    if not root.is_absolute():
        root = (path.parent / root).resolve()
    if not root.is_dir():
        raise ConfigError(f"{path}: corpus_root: directory {root} does not exist")
    return config.model_copy(update={"corpus_root": root})
