"""The one typed settings object.

Settings come, in increasing precedence, from defaults, a TOML file named by
``SEAWALL_CONFIG`` (or passed explicitly), and ``SEAWALL_*`` environment
variables. Only the composition root (``app.py`` and the CLI) calls
:func:`load_settings`; everything else receives a :class:`Settings`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a Seawall process can be told, validated at start."""

    model_config = SettingsConfigDict(env_prefix="SEAWALL_", extra="forbid")

    data_dir: Path = Field(default=Path("./data"), description="All local state.")
    listen: str = Field(default="127.0.0.1:5000", description="host:port to serve on.")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite in data_dir."
    )
    storage_driver: str = Field(default="filesystem", description="Blob driver name.")

    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_self_signed: bool = Field(
        default=False, description="Create a CA and a server certificate in data_dir."
    )
    public_url: str = Field(
        default="", description="External base URL used in tokens and ECR responses."
    )

    log_level: str = "info"
    log_format: str = Field(default="console", description="console or json.")
    access_log: bool = True

    upload_expiry_seconds: int = Field(default=24 * 3600, ge=60)
    max_manifest_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    catalog_max_entries: int = Field(default=1000, ge=1)
    workers: int = Field(default=1, ge=1, le=64, description="Server processes.")

    # Encryption at rest (crypto/): see docs/encryption.md.
    root_key_file: Path | None = Field(
        default=None, description="File with the root key; default data_dir/root.key."
    )
    root_key: SecretStr | None = Field(
        default=None, description="The root key itself (base64 or hex), from a secret."
    )
    encryption: bool = Field(
        default=True, description="Seal blobs at rest; off only for benchmarks."
    )
    encryption_chunk_size: int = Field(
        default=1024 * 1024,
        ge=4096,
        le=16 * 1024 * 1024,
        description="Plaintext bytes per AES-256-GCM chunk of newly sealed blobs.",
    )
    key_rotation_interval_seconds: int = Field(
        default=60, ge=1, description="How often pending data-key re-wraps run."
    )

    account_id: str = Field(default="000000000000", pattern=r"^\d{12}$")
    region: str = "us-east-1"

    auth_enabled: bool = Field(
        default=True, description="Authenticate and authorize every request."
    )
    admin_access_key_id: str = Field(
        default="", description="The first administrator's key id (first start)."
    )
    admin_secret_access_key: SecretStr | None = Field(
        default=None, description="The first administrator's secret (first start)."
    )

    # In-registry scanning (scanning/): see docs/scanning-in-registry.md.
    scan_workers: int = Field(
        default=1, ge=0, le=32, description="In-process job workers; 0: none."
    )
    advisory_db: str = Field(
        default="", description="Advisory database; empty: data_dir/advisories.db."
    )
    scan_webhook_urls: list[str] = Field(
        default_factory=list, description="URLs POSTed new/resolved findings."
    )
    scan_rescan_duration_days: float = Field(
        default=30.0, gt=0, description="Idle days before continuous scanning stops."
    )
    scan_manual_interval_seconds: int = Field(
        default=24 * 3600, ge=0, description="Minimum time between manual scans."
    )

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"invalid listen address {value!r}: expected host:port")
        return value

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        if value not in ("console", "json"):
            raise ValueError(f"unsupported log format {value!r}: console or json")
        return value

    @model_validator(mode="after")
    def _check_admin(self) -> Settings:
        if bool(self.admin_access_key_id) != (self.admin_secret_access_key is not None):
            raise ValueError(
                "admin_access_key_id and admin_secret_access_key must be given together"
            )
        return self

    @model_validator(mode="after")
    def _check_tls(self) -> Settings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key must be given together")
        return self

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert is not None or self.tls_self_signed

    @property
    def effective_database_url(self) -> str:
        """The metadata database URL, SQLite inside data_dir when unset."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            elif url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgres://")
            return url
        return f"sqlite:///{self.data_dir.resolve() / 'seawall.db'}"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build Settings from an optional TOML file, the environment and overrides.

    Raises ``pydantic.ValidationError`` naming every invalid field.
    """
    path = config_file or (
        Path(os.environ["SEAWALL_CONFIG"]) if os.environ.get("SEAWALL_CONFIG") else None
    )
    file_values: dict[str, Any] = {}
    if path is not None:
        with path.open("rb") as fh:
            file_values = tomllib.load(fh).get("seawall", {})

    # Environment beats the file; explicit overrides beat both.
    env_fields = {
        name
        for name in Settings.model_fields
        if f"SEAWALL_{name.upper()}" in os.environ
    }
    merged = {k: v for k, v in file_values.items() if k not in env_fields}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**merged)
