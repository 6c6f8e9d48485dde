"""Repository and registry policies, stored and evaluated by access control.

Calls ``services.policies`` (:class:`seawall.auth.policystore.PolicyStore`),
which validates a document when it is stored; the access-control engine
applies the stored policies to every later request on either API.
"""

from __future__ import annotations

from typing import Any

from seawall.auth.errors import PolicyInvalid
from seawall.auth.evaluate import AttachedPolicy, Request, evaluate
from seawall.auth.policy import PolicyKind, parse_policy
from seawall.ecr.context import EcrContext
from seawall.ecr.errors import EcrError, invalid_parameter
from seawall.ecr.operations import operation
from seawall.ecr.operations.repositories import get_repository


def _policy_error(kind: str, exc: PolicyInvalid) -> EcrError:
    return invalid_parameter("policyText", f"Invalid {kind} policy provided: {exc}")


def _repo_policy_missing(ctx: EcrContext, name: str) -> EcrError:
    return EcrError(
        "RepositoryPolicyNotFoundException",
        f"Repository policy does not exist for the repository with name '{name}' "
        f"in the registry with id '{ctx.registry_id}'",
    )


def _registry_policy_missing(ctx: EcrContext) -> EcrError:
    return EcrError(
        "RegistryPolicyNotFoundException",
        f"Registry policy does not exist in the registry with id '{ctx.registry_id}'",
    )


@operation("SetRepositoryPolicy", changes_state=True)
def set_repository_policy(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    text = ctx.params["policyText"]
    try:
        policy = parse_policy(text, PolicyKind.REPOSITORY)
    except PolicyInvalid as exc:
        raise _policy_error("repository", exc) from exc
    if not ctx.params.get("force"):
        _refuse_lock_out(
            ctx,
            AttachedPolicy("repository", PolicyKind.REPOSITORY, policy),
            ctx.repository_arn(repo.name),
        )
    try:
        ctx.services.policies.set_repository_policy(repo.name, text)
    except PolicyInvalid as exc:
        raise _policy_error("repository", exc) from exc
    return {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "policyText": text,
    }


def _refuse_lock_out(ctx: EcrContext, policy: AttachedPolicy, resource: str) -> None:
    """Refuse a policy that explicitly denies its author SetRepositoryPolicy.

    TODO(seawall): ECR also refuses a policy that merely stops granting the
    author; that needs the identity policies' view, which access control
    does not expose yet. An explicit deny is the common lock-out.
    """
    request = Request(
        ctx.principal, "ecr:SetRepositoryPolicy", resource, ctx.condition_context
    )
    decision = evaluate(request, (policy,))
    if decision.reason == "explicit deny":
        raise invalid_parameter(
            "policyText",
            "Invalid repository policy provided: it would prevent you from "
            "setting the policy again; pass force to apply it anyway",
        )


@operation("GetRepositoryPolicy")
def get_repository_policy(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    text = ctx.services.policies.get_repository_policy(repo.name)
    if text is None:
        raise _repo_policy_missing(ctx, repo.name)
    return {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "policyText": text,
    }


@operation("DeleteRepositoryPolicy", changes_state=True)
def delete_repository_policy(ctx: EcrContext) -> dict[str, Any]:
    out = get_repository_policy(ctx)
    if not ctx.services.policies.delete_repository_policy(out["repositoryName"]):
        raise _repo_policy_missing(ctx, out["repositoryName"])
    return out


@operation("PutRegistryPolicy", scope="registry", changes_state=True)
def put_registry_policy(ctx: EcrContext) -> dict[str, Any]:
    text = ctx.params["policyText"]
    try:
        ctx.services.policies.set_registry_policy(text)
    except PolicyInvalid as exc:
        raise _policy_error("registry", exc) from exc
    return {"registryId": ctx.registry_id, "policyText": text}


@operation("GetRegistryPolicy", scope="registry")
def get_registry_policy(ctx: EcrContext) -> dict[str, Any]:
    text = ctx.services.policies.get_registry_policy()
    if text is None:
        raise _registry_policy_missing(ctx)
    return {"registryId": ctx.registry_id, "policyText": text}


@operation("DeleteRegistryPolicy", scope="registry", changes_state=True)
def delete_registry_policy(ctx: EcrContext) -> dict[str, Any]:
    out = get_registry_policy(ctx)
    if not ctx.services.policies.delete_registry_policy():
        raise _registry_policy_missing(ctx)
    return out
