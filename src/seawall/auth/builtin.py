"""Policies every registry starts with, named after their AWS counterparts."""

from __future__ import annotations

import json

_PULL = [
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "ecr:Describe*",
    "ecr:List*",
    "ecr:GetRepositoryPolicy",
    "ecr:GetLifecyclePolicy",
    "ecr:GetLifecyclePolicyPreview",
]
_PUSH = [
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
]


def _allow(actions: list[str] | str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
    )


BUILTIN_POLICIES: dict[str, tuple[str, str]] = {
    "AdministratorAccess": (
        "Everything, including identities and policies.",
        _allow("*"),
    ),
    "AmazonEC2ContainerRegistryFullAccess": (
        "Every ECR action on every repository.",
        _allow("ecr:*"),
    ),
    "AmazonEC2ContainerRegistryPowerUser": (
        "Pull and push, no deletes or policy.",
        _allow(_PULL + _PUSH),
    ),
    "AmazonEC2ContainerRegistryReadOnly": ("Pull and describe.", _allow(_PULL)),
}
