"""Errors of the access-control domain (protocol-neutral, from seawall.errors)."""

from __future__ import annotations

from seawall.errors import InvalidInput, NotFound


class PolicyInvalid(InvalidInput):
    """A policy document failed validation; the message names the statement."""

    code = "INVALID_POLICY"


class PrincipalNotFound(NotFound):
    code = "PRINCIPAL_NOT_FOUND"


class AccessKeyNotFound(NotFound):
    code = "ACCESS_KEY_NOT_FOUND"
