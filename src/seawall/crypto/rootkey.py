"""The root key: the one secret every other key is wrapped with.

It comes, in order of precedence, from a value the composition root read from
the environment (``SEAWALL_ROOT_KEY``, e.g. injected by a secrets manager),
from a file named in settings (``root_key_file``), or from ``root.key`` in
the data directory, created with mode 0600 on first start. Values are
32 bytes written as base64 (standard or URL-safe) or as 64 hex digits.

Losing the root key loses every encrypted blob: back it up (docs/encryption.md).
Other domains derive their own keys from it with :func:`derive_key`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from seawall.errors import InvalidInput

ROOT_KEY_BYTES = 32
ROOT_KEY_FILENAME = "root.key"
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def load_or_create_root_key(
    data_dir: Path, *, key_file: Path | None = None, env_value: str | None = None
) -> bytes:
    """The 32-byte root key, creating ``data_dir/root.key`` when none exists.

    ``env_value`` wins over ``key_file``, which wins over the data directory's
    file. A given file must exist: Seawall never invents a key in a place the
    operator named. Raises InvalidInput for a value or file that does not hold
    exactly 32 bytes.
    """
    if env_value:
        return parse_root_key(env_value, source="the SEAWALL_ROOT_KEY value")
    if key_file is not None:
        return _read_key_file(key_file)
    path = data_dir / ROOT_KEY_FILENAME
    if path.exists():
        return _read_key_file(path)
    return _create_key_file(path)


def parse_root_key(text: str, *, source: str) -> bytes:
    """Decode a root key written as base64 or hex; InvalidInput otherwise."""
    value = text.strip()
    if _HEX.match(value):
        return bytes.fromhex(value)
    try:
        padded = (value + "=" * (-len(value) % 4)).replace("-", "+")
        raw = base64.b64decode(padded.replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"invalid root key in {source}: not base64 or hex") from exc
    if len(raw) != ROOT_KEY_BYTES:
        raise InvalidInput(
            f"invalid root key in {source}: {len(raw)} bytes, expected {ROOT_KEY_BYTES}"
        )
    return raw


def encode_root_key(key: bytes) -> str:
    """The text form written to key files (standard base64)."""
    return base64.b64encode(key).decode("ascii")


def derive_key(root_key: bytes, purpose: str, length: int = 32) -> bytes:
    """A key for ``purpose`` (e.g. ``"auth/access-key-secrets"``) via HKDF-SHA256.

    Distinct purposes give independent keys; the root key itself is never
    used directly for anything but wrapping key-manager key material.
    """
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=b"seawall/v1",
        info=purpose.encode("utf-8"),
    )
    return hkdf.derive(root_key)


def _read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise InvalidInput(f"invalid root key file {path}: it does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"invalid root key file {path}: {exc}") from exc
    return parse_root_key(text, source=str(path))


def _create_key_file(path: Path) -> bytes:
    """Write a fresh key at ``path`` (0600), atomically and race-free.

    The key is written to a private temporary file and hard-linked into place;
    when another process won the race, its key is the one returned.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(ROOT_KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(encode_root_key(key) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read_key_file(path)
