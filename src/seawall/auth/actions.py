"""ECR action names and the Docker token scopes that map onto them.

Both APIs authorize with ECR's action names. A Docker token scope action is
granted when the caller is allowed every ECR action it stands for.
"""

from __future__ import annotations

BATCH_GET_IMAGE = "ecr:BatchGetImage"
GET_DOWNLOAD_URL = "ecr:GetDownloadUrlForLayer"
CHECK_LAYER = "ecr:BatchCheckLayerAvailability"
INITIATE_UPLOAD = "ecr:InitiateLayerUpload"
UPLOAD_PART = "ecr:UploadLayerPart"
COMPLETE_UPLOAD = "ecr:CompleteLayerUpload"
PUT_IMAGE = "ecr:PutImage"
DELETE_IMAGE = "ecr:BatchDeleteImage"
LIST_IMAGES = "ecr:ListImages"
DESCRIBE_REPOSITORIES = "ecr:DescribeRepositories"
GET_AUTHORIZATION_TOKEN = "ecr:GetAuthorizationToken"  # noqa: S105 (an action name)

PULL = (BATCH_GET_IMAGE, GET_DOWNLOAD_URL)
PUSH = (CHECK_LAYER, INITIATE_UPLOAD, UPLOAD_PART, COMPLETE_UPLOAD, PUT_IMAGE)

# Docker scope action -> the ECR actions it needs on the repository.
SCOPE_ACTIONS: dict[str, tuple[str, ...]] = {
    "pull": PULL,
    "push": PUSH,
    "delete": (DELETE_IMAGE,),
}

# ECR action -> the token scope actions that each cover it (any one suffices).
_COVERED_BY: dict[str, tuple[str, ...]] = {
    BATCH_GET_IMAGE: ("pull", "push"),  # push tools HEAD the manifest first
    GET_DOWNLOAD_URL: ("pull",),
    CHECK_LAYER: ("pull", "push"),
    LIST_IMAGES: ("pull",),
    INITIATE_UPLOAD: ("push",),
    UPLOAD_PART: ("push",),
    COMPLETE_UPLOAD: ("push",),
    PUT_IMAGE: ("push",),
    DELETE_IMAGE: ("delete",),
}


def covering_scope_actions(action: str) -> tuple[str, ...]:
    """The token scope actions under which ``action`` may run ("" for none)."""
    return _COVERED_BY.get(action, ("*",))
