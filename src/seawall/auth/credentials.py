"""Parsing the Authorization header into what the caller presented."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from seawall.errors import Unauthenticated


@dataclass(frozen=True)
class Credentials:
    """``scheme`` is ``none``, ``basic`` or ``bearer``; the secret is hidden."""

    scheme: str
    username: str = ""
    secret: str = field(default="", repr=False)


NONE = Credentials("none")


def parse_authorization(header: str | None) -> Credentials:
    """The credentials in an Authorization header; Unauthenticated if garbled."""
    if not header:
        return NONE
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return Credentials("bearer", secret=value)
    if scheme.lower() == "basic" and value:
        return _basic(value)
    raise Unauthenticated("invalid credentials: unsupported Authorization scheme")


def _basic(value: str) -> Credentials:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthenticated("invalid credentials: Basic value is not base64") from exc
    username, sep, secret = decoded.partition(":")
    if not sep or not username or not secret:
        raise Unauthenticated("invalid credentials: Basic value is not user:secret")
    return Credentials("basic", username, secret)
