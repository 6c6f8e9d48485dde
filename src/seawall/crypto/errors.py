"""Errors of the key manager, as protocol-neutral subclasses of seawall.errors.

The edges render them through their parents' codes: ``KeyUnavailable`` is an
``Unavailable`` (the registry answers 503 naming the key and its state; the
ECR API a ``KmsException``), ``KeyNotFound`` a ``NotFound``.
"""

from __future__ import annotations

from seawall.errors import Conflict, NotFound, Unavailable


class KeyNotFound(NotFound):
    """No key (or alias) answers to the reference given."""

    code = "KMS_KEY_NOT_FOUND"


class KeyUnavailable(Unavailable):
    """The key exists but its state forbids use: Disabled, PendingDeletion..."""

    def __init__(self, action: str, arn: str, state: str) -> None:
        super().__init__(
            f"failed to {action}: key {arn} is {state}",
            detail={"key": arn, "state": state},
        )
        self.arn = arn
        self.state = state


class KeyStateConflict(Conflict):
    """The operation is not allowed in the key's current state (KMS's
    KMSInvalidStateException)."""

    code = "KMS_INVALID_STATE"


class AliasExists(Conflict):
    code = "KMS_ALREADY_EXISTS"
