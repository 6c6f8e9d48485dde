"""Lifecycle policies: stored validated and normalized; evaluated elsewhere.

Calls ``services.ecr_store`` (:class:`seawall.ecr.store.EcrStore`).
TODO(seawall): StartLifecyclePolicyPreview/GetLifecyclePolicyPreview and the
evaluation itself come with the lifecycle issue; ``lastEvaluatedAt`` stays
absent until a policy has been evaluated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seawall.ecr.context import EcrContext
from seawall.ecr.errors import EcrError, invalid_parameter
from seawall.ecr.lifecycle_policy import LifecyclePolicyInvalid, normalize
from seawall.ecr.operations import operation
from seawall.ecr.operations.repositories import get_repository
from seawall.ecr.store import LifecyclePolicyRecord


def _missing(ctx: EcrContext, name: str) -> EcrError:
    return EcrError(
        "LifecyclePolicyNotFoundException",
        f"Lifecycle policy does not exist for the repository with name '{name}' "
        f"in the registry with id '{ctx.registry_id}'",
    )


def _render(
    ctx: EcrContext, name: str, record: LifecyclePolicyRecord
) -> dict[str, Any]:
    evaluated = record.last_evaluated_at
    return {
        "registryId": ctx.registry_id,
        "repositoryName": name,
        "lifecyclePolicyText": record.text,
        "lastEvaluatedAt": None
        if evaluated is None
        else datetime.fromtimestamp(evaluated, tz=UTC),
    }


@operation("PutLifecyclePolicy", changes_state=True)
def put_lifecycle_policy(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    try:
        text = normalize(ctx.params["lifecyclePolicyText"])
    except LifecyclePolicyInvalid as exc:
        raise invalid_parameter("lifecyclePolicyText", exc.message) from exc
    ctx.services.ecr_store.put_lifecycle_policy(repo.id, text)
    return {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "lifecyclePolicyText": text,
    }


@operation("GetLifecyclePolicy")
def get_lifecycle_policy(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    record = ctx.services.ecr_store.lifecycle_policy(repo.id)
    if record is None:
        raise _missing(ctx, repo.name)
    return _render(ctx, repo.name, record)


@operation("DeleteLifecyclePolicy", changes_state=True)
def delete_lifecycle_policy(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    record = ctx.services.ecr_store.delete_lifecycle_policy(repo.id)
    if record is None:
        raise _missing(ctx, repo.name)
    return _render(ctx, repo.name, record)
