"""The ECR operations Seawall implements, registered by name.

Each operations module decorates its handlers with :func:`operation`,
declaring the IAM action checked before the handler runs (ECR's name,
``ecr:<Operation>`` unless stated) and what the action applies to:

- ``repository``: the repository named by ``repositoryName``;
- ``resource-arn``: the ARN in ``resourceArn`` (tagging operations);
- ``registry``: ``*`` (registry-wide operations, GetAuthorizationToken);
- ``handler``: the handler authorizes per item itself (DescribeRepositories
  filters the listing to what the caller may see).

``changes_state`` marks operations whose replay could undo a later change
(re-setting an old policy, moving a tag back); their signatures are refused
a second time while fresh (:class:`seawall.ecr.sigv4.ReplayGuard`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from seawall.ecr.context import EcrContext

Handler = Callable[[EcrContext], dict[str, Any]]
Scope = Literal["repository", "resource-arn", "registry", "handler"]


@dataclass(frozen=True)
class Operation:
    name: str
    handler: Handler
    action: str
    scope: Scope
    changes_state: bool


OPERATIONS: dict[str, Operation] = {}

_MODULES = (
    "repositories",
    "images",
    "layers",
    "authorization",
    "policies",
    "lifecycle",
    "scanning",
)


def operation(
    name: str, *, scope: Scope = "repository", changes_state: bool = False
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ECR operation ``name``."""

    def register(handler: Handler) -> Handler:
        OPERATIONS[name] = Operation(name, handler, f"ecr:{name}", scope, changes_state)
        return handler

    return register


def load_operations() -> dict[str, Operation]:
    """Every registered operation (imports the operation modules once)."""
    for module in _MODULES:
        try:
            importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as exc:
            # An operations module not written yet is simply absent.
            if exc.name != f"{__name__}.{module}":
                raise
    return OPERATIONS
