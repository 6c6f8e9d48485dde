"""The root key: created once 0600, read from a file or a value, validated."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from seawall.crypto.rootkey import (
    derive_key,
    encode_root_key,
    load_or_create_root_key,
    parse_root_key,
)
from seawall.errors import InvalidInput


def test_first_start_creates_a_private_key_file(tmp_path: Path) -> None:
    key = load_or_create_root_key(tmp_path)

    path = tmp_path / "root.key"
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_root_key(tmp_path) == key
    assert [p.name for p in tmp_path.iterdir()] == ["root.key"]


def test_two_data_dirs_get_different_keys(tmp_path: Path) -> None:
    first = load_or_create_root_key(tmp_path / "a")
    second = load_or_create_root_key(tmp_path / "b")

    assert first != second


def test_value_wins_over_files(tmp_path: Path) -> None:
    key = bytes(range(32))
    other = tmp_path / "other.key"
    other.write_text(encode_root_key(bytes(32)))

    loaded = load_or_create_root_key(
        tmp_path, key_file=other, env_value=base64.urlsafe_b64encode(key).decode()
    )

    assert loaded == key
    assert not (tmp_path / "root.key").exists()


def test_named_file_is_read_and_never_invented(tmp_path: Path) -> None:
    path = tmp_path / "given.key"
    path.write_text(bytes(range(32)).hex() + "\n")

    assert load_or_create_root_key(tmp_path, key_file=path) == bytes(range(32))
    with pytest.raises(InvalidInput, match="does not exist"):
        load_or_create_root_key(tmp_path, key_file=tmp_path / "missing.key")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not base64 at all!", "not base64 or hex"),
        (base64.b64encode(bytes(16)).decode(), "16 bytes, expected 32"),
        ("", "0 bytes"),
    ],
)
def test_bad_values_are_rejected(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_root_key(text, source="test")


def test_derived_keys_are_distinct_per_purpose() -> None:
    root = bytes(range(32))

    a = derive_key(root, "auth/access-key-secrets")
    b = derive_key(root, "crypto/other")

    assert len(a) == 32
    assert a != b != root
    assert derive_key(root, "auth/access-key-secrets") == a
