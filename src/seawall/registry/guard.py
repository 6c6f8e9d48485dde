"""The access-control seam of the /v2/ API.

Every handler names the repository and the ECR actions it needs; the guard
authenticates the caller and allows or refuses. The access-control package
provides the real guard; :class:`OpenGuard` (no authentication) is for
tests and benchmarks that measure the registry alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

# ECR action names per registry operation (../shared/specs/INTERFACES.md §4.1).
PULL = ("ecr:BatchGetImage",)
PULL_LAYER = ("ecr:GetDownloadUrlForLayer",)
CHECK_LAYER = ("ecr:BatchCheckLayerAvailability",)
PUSH_LAYER = (
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
)
PUSH_IMAGE = ("ecr:PutImage",)
DELETE_IMAGE = ("ecr:BatchDeleteImage",)
LIST_IMAGES = ("ecr:ListImages",)
CATALOG = ("ecr:DescribeRepositories",)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, as far as the registry needs to know."""

    principal: str  # an ARN, or "anonymous"
    display_name: str = "anonymous"


ANONYMOUS = Caller("anonymous")


class Guard(Protocol):
    async def check(
        self, request: Request, repository: str | None, actions: tuple[str, ...]
    ) -> Caller:
        """Authenticate and authorize; raise Unauthenticated or AccessDenied.

        ``repository`` is None for registry-wide calls (the /v2/ base check).
        """

    async def visible(
        self, request: Request, caller: Caller, names: list[str]
    ) -> list[str]:
        """The subset of repository ``names`` the caller may see in the catalog."""


class OpenGuard:
    """Allows everything to everyone."""

    async def check(
        self, request: Request, repository: str | None, actions: tuple[str, ...]
    ) -> Caller:
        return ANONYMOUS

    async def visible(
        self, request: Request, caller: Caller, names: list[str]
    ) -> list[str]:
        return names
