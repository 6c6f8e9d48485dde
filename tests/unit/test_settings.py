"""Settings from defaults, a TOML file and SEAWALL_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from seawall.settings import load_settings


def test_environment_beats_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "seawall.toml"
    config.write_text('[seawall]\nlisten = "127.0.0.1:6000"\nregion = "eu-west-1"\n')
    monkeypatch.setenv("SEAWALL_LISTEN", "0.0.0.0:7000")
    monkeypatch.setenv("SEAWALL_DATA_DIR", str(tmp_path / "d"))
    settings = load_settings(config)
    assert settings.listen == "0.0.0.0:7000"
    assert settings.port == 7000
    assert settings.region == "eu-west-1"
    assert settings.data_dir == tmp_path / "d"
    assert settings.effective_database_url.startswith("sqlite:///")


def test_postgres_url_uses_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAWALL_DATABASE_URL", "postgresql://u@localhost/db")
    assert (
        load_settings().effective_database_url == "postgresql+psycopg://u@localhost/db"
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SEAWALL_LISTEN", "nohost"),
        ("SEAWALL_LISTEN", "h:99999"),
        ("SEAWALL_ACCOUNT_ID", "12"),
        ("SEAWALL_LOG_FORMAT", "xml"),
    ],
)
def test_invalid_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        load_settings()
