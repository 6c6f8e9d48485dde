"""Sealing access-key secrets at rest under a key derived from the root key.

A secret must be readable again (the ECR API verifies SigV4 signatures with
it), so it is encrypted, not hashed: AES-256-GCM with a random 96-bit nonce,
the access key id as associated data (a sealed secret moved to another key's
row fails to open), stored as base64 of ``nonce || ciphertext || tag``.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from seawall.crypto.rootkey import derive_key
from seawall.errors import IntegrityError

PURPOSE = "auth/access-key-secrets"
_NONCE = 12


class SecretBox:
    """Seal and open short secrets; the key never leaves this object."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("invalid secret box key: 32 bytes expected")
        self._aead = AESGCM(key)

    @classmethod
    def from_root_key(cls, root_key: bytes) -> SecretBox:
        return cls(derive_key(root_key, PURPOSE))

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, secret: str, context: str) -> str:
        """The sealed text form of ``secret``, bound to ``context``."""
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, context: str) -> str:
        """The secret; IntegrityError when the text was altered or moved."""
        try:
            raw = base64.b64decode(sealed, validate=True)
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode())
        except (InvalidTag, ValueError) as exc:
            raise IntegrityError(
                f"failed to open the sealed secret of {context}: it was altered "
                "or the root key changed"
            ) from exc
        return plain.decode()
