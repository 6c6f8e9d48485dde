"""Repository operations: create, describe, delete, resource tags, settings.

Calls ``services.registry`` (:class:`seawall.storage.registry.RegistryStore`)
for repositories themselves, ``services.ecr_store``
(:class:`seawall.ecr.store.EcrStore`) for ECR-only attributes and
``services.keys`` (:class:`seawall.crypto.keys.KeyManager`) to resolve the
KMS key of ``encryptionConfiguration``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seawall.crypto.keys import ECR_MANAGED_ALIAS
from seawall.ecr.context import EcrContext
from seawall.ecr.errors import EcrError, invalid_parameter, repository_not_found
from seawall.ecr.operations import operation
from seawall.ecr.pagination import decode_token, encode_token, fingerprint
from seawall.errors import Conflict, NameUnknown, NotFound, Unavailable
from seawall.storage.registry import Repository

MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
_EXCLUSION_MODES = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")


def render_repository(
    ctx: EcrContext, repo: Repository, scan_on_push: bool | None = None
) -> dict[str, Any]:
    """The model's ``Repository`` structure for ``repo``.

    ``scan_on_push`` saves a query when the caller looked it up in bulk.
    """
    if scan_on_push is None:
        scan_on_push = ctx.services.ecr_store.scan_on_push(repo.id)
    encryption: dict[str, Any] = {"encryptionType": repo.encryption_type}
    if repo.kms_key:
        encryption["kmsKey"] = repo.kms_key
    out: dict[str, Any] = {
        "repositoryArn": ctx.repository_arn(repo.name),
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "repositoryUri": ctx.repository_uri(repo.name),
        "createdAt": _datetime(repo.created_at),
        "imageTagMutability": repo.tag_mutability,
        "imageScanningConfiguration": {"scanOnPush": scan_on_push},
        "encryptionConfiguration": encryption,
    }
    if repo.immutability_exclusions:
        out["imageTagMutabilityExclusionFilters"] = _filters_out(
            repo.immutability_exclusions
        )
    return out


def get_repository(ctx: EcrContext, name: str | None = None) -> Repository:
    """The repository of the request; RepositoryNotFoundException when absent."""
    name = name or ctx.repository_name()
    repo: Repository | None = ctx.services.registry.find_repository(name)
    if repo is None:
        raise repository_not_found(name, ctx.registry_id)
    return repo


@operation("CreateRepository", changes_state=True)
def create_repository(ctx: EcrContext) -> dict[str, Any]:
    params = ctx.params
    name = ctx.repository_name()
    tags = _check_tags(params.get("tags", []))
    if tags:
        ctx.require("ecr:TagResource", ctx.repository_arn(name))
    mutability, exclusions = _mutability(params)
    encryption_type, kms_key = _encryption(ctx, params.get("encryptionConfiguration"))
    repo, created = ctx.services.registry.create_repository(
        name,
        tag_mutability=mutability,
        immutability_exclusions=exclusions,
        encryption_type=encryption_type,
        kms_key=kms_key,
    )
    if not created:
        raise EcrError(
            "RepositoryAlreadyExistsException",
            f"The repository with name '{name}' already exists in the registry "
            f"with id '{ctx.registry_id}'",
        )
    scanning = params.get("imageScanningConfiguration", {})
    if scanning.get("scanOnPush"):
        ctx.services.ecr_store.set_scan_on_push(repo.id, True)
    if tags:
        ctx.services.ecr_store.tag(repo.id, tags)
        _tags_changed(ctx)
    return {"repository": render_repository(ctx, repo)}


@operation("DescribeRepositories", scope="handler")
def describe_repositories(ctx: EcrContext) -> dict[str, Any]:
    """Named repositories (all must exist), else a page of all the caller may see.

    Listing keys on repository names: each page asks the store for names
    after the token's, filtered by the caller's ``ecr:DescribeRepositories``.
    """
    ctx.check_registry()
    names = ctx.params.get("repositoryNames")
    if names is not None:
        if "maxResults" in ctx.params or "nextToken" in ctx.params:
            raise invalid_parameter(
                "maxResults", "cannot be used together with repositoryNames"
            )
        wanted = list(dict.fromkeys(names))
        repos = ctx.services.registry.find_repositories(wanted)
        missing = set(wanted) - {repo.name for repo in repos}
        if missing:
            raise repository_not_found(sorted(missing)[0], ctx.registry_id)
        for repo in repos:
            ctx.require("ecr:DescribeRepositories", ctx.repository_arn(repo.name))
        return {"repositories": _render_many(ctx, repos)}
    return _list_repositories(ctx)


def _list_repositories(ctx: EcrContext) -> dict[str, Any]:
    limit = ctx.params.get("maxResults") or 100
    scope = fingerprint("DescribeRepositories", ctx.params)
    token = ctx.params.get("nextToken")
    last = decode_token(scope, token) if token else None
    registry = ctx.services.registry
    names: list[str] = []
    # Collect one more visible name than the page holds, to know if more follow.
    while len(names) <= limit:
        batch: list[str] = registry.list_repositories(last=last, limit=limit + 1)
        for name in batch:
            last = name
            if ctx.visible("ecr:DescribeRepositories", ctx.repository_arn(name)):
                names.append(name)
                if len(names) > limit:
                    break
        if len(batch) <= limit:
            break
    repos = registry.find_repositories(names[:limit])
    out: dict[str, Any] = {"repositories": _render_many(ctx, repos)}
    if len(names) > limit:
        out["nextToken"] = encode_token(scope, names[limit - 1])
    return out


def _render_many(ctx: EcrContext, repos: list[Repository]) -> list[dict[str, Any]]:
    scanning = ctx.services.ecr_store.scan_on_push_many([r.id for r in repos])
    return [render_repository(ctx, r, r.id in scanning) for r in repos]


@operation("DeleteRepository", changes_state=True)
def delete_repository(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    rendered = render_repository(ctx, repo)
    try:
        ctx.services.registry.delete_repository(
            repo.name, force=bool(ctx.params.get("force"))
        )
    except NameUnknown as exc:
        raise repository_not_found(repo.name, ctx.registry_id) from exc
    except Conflict as exc:
        raise EcrError(
            "RepositoryNotEmptyException",
            f"The repository with name '{repo.name}' in registry with id "
            f"'{ctx.registry_id}' cannot be deleted because it still contains "
            "images",
        ) from exc
    if ctx.services.policies is not None:
        ctx.services.policies.delete_repository_policy(repo.name)
    return {"repository": rendered}


@operation("ListTagsForResource", scope="resource-arn")
def list_tags_for_resource(ctx: EcrContext) -> dict[str, Any]:
    repo = _repository_of_arn(ctx)
    tags = ctx.services.ecr_store.tags(repo.id)
    return {"tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


@operation("TagResource", scope="resource-arn", changes_state=True)
def tag_resource(ctx: EcrContext) -> dict[str, Any]:
    repo = _repository_of_arn(ctx)
    ctx.services.ecr_store.tag(repo.id, _check_tags(ctx.params["tags"]))
    _tags_changed(ctx)
    return {}


@operation("UntagResource", scope="resource-arn", changes_state=True)
def untag_resource(ctx: EcrContext) -> dict[str, Any]:
    repo = _repository_of_arn(ctx)
    keys = list(ctx.params["tagKeys"])
    for key in keys:
        _check_tag_key(key)
    ctx.services.ecr_store.untag(repo.id, keys)
    _tags_changed(ctx)
    return {}


@operation("PutImageTagMutability", changes_state=True)
def put_image_tag_mutability(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    mutability, exclusions = _mutability(ctx.params)
    repo = ctx.services.registry.update_repository(
        repo.name, tag_mutability=mutability, immutability_exclusions=exclusions
    )
    out: dict[str, Any] = {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "imageTagMutability": repo.tag_mutability,
    }
    if repo.immutability_exclusions:
        out["imageTagMutabilityExclusionFilters"] = _filters_out(
            repo.immutability_exclusions
        )
    return out


@operation("PutImageScanningConfiguration", changes_state=True)
def put_image_scanning_configuration(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    enabled = bool(ctx.params["imageScanningConfiguration"].get("scanOnPush"))
    ctx.services.ecr_store.set_scan_on_push(repo.id, enabled)
    return {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "imageScanningConfiguration": {"scanOnPush": enabled},
    }


@operation("DescribeRegistry", scope="registry")
def describe_registry(ctx: EcrContext) -> dict[str, Any]:
    # TODO(seawall): replication is not implemented; the configuration is
    # always empty until a replication issue adds PutReplicationConfiguration.
    return {"registryId": ctx.registry_id, "replicationConfiguration": {"rules": []}}


# -- helpers ------------------------------------------------------------------


def _tags_changed(ctx: EcrContext) -> None:
    """Tell access control (every process) that resource tags changed."""
    access = ctx.services.extras.get("access")
    if access is not None:
        access.changed()


def _datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _filters_out(exclusions: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"filterType": "WILDCARD", "filter": f} for f in exclusions]


def _mutability(params: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    mode = params.get("imageTagMutability", "MUTABLE")
    filters = params.get("imageTagMutabilityExclusionFilters")
    if mode in _EXCLUSION_MODES and not filters:
        raise invalid_parameter(
            "imageTagMutabilityExclusionFilters",
            f"at least one exclusion filter is required with {mode}",
        )
    if mode not in _EXCLUSION_MODES and filters:
        raise invalid_parameter(
            "imageTagMutabilityExclusionFilters",
            f"exclusion filters are only allowed with {' or '.join(_EXCLUSION_MODES)}",
        )
    return mode, tuple(dict.fromkeys(f["filter"] for f in filters or ()))


def _check_tag_key(key: str) -> None:
    if not key or len(key) > MAX_TAG_KEY or key.lower().startswith("aws:"):
        raise EcrError(
            "InvalidTagParameterException",
            f"invalid tag key '{key[:MAX_TAG_KEY]}': keys are 1 to {MAX_TAG_KEY} "
            "characters and may not start with 'aws:'",
        )


def _check_tags(tags: list[dict[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in tags:
        _check_tag_key(tag["Key"])
        if len(tag["Value"]) > MAX_TAG_VALUE:
            raise EcrError(
                "InvalidTagParameterException",
                f"invalid tag value for key '{tag['Key']}': values are at most "
                f"{MAX_TAG_VALUE} characters",
            )
        out[tag["Key"]] = tag["Value"]
    if len(out) > 50:
        raise EcrError(
            "TooManyTagsException",
            f"invalid tags: a repository can have at most 50 tags, got {len(out)}",
        )
    return out


def _encryption(
    ctx: EcrContext, config: dict[str, Any] | None
) -> tuple[str, str | None]:
    """(encryptionType, key ARN) with the KMS key resolved and enabled."""
    if not config or config["encryptionType"] == "AES256":
        if config and config.get("kmsKey"):
            raise invalid_parameter(
                "encryptionConfiguration.kmsKey",
                "a KMS key can only be given with encryptionType KMS or KMS_DSSE",
            )
        return "AES256", None
    keys = ctx.services.keys
    if keys is None:
        raise EcrError(
            "KmsException",
            "unsupported encryption type: no key manager is configured",
            fields={"kmsError": "KMSUnavailableException"},
        )
    try:
        ref = config.get("kmsKey")
        # Without a named key ECR uses the AWS managed key aws/ecr.
        key = (
            keys.require_enabled(ref, "create repository")
            if ref
            else keys.managed_key(ECR_MANAGED_ALIAS)
        )
    except NotFound as exc:
        raise EcrError(
            "KmsException", exc.message, fields={"kmsError": "NotFoundException"}
        ) from exc
    except Unavailable as exc:
        raise EcrError(
            "KmsException", exc.message, fields={"kmsError": "DisabledException"}
        ) from exc
    return str(config["encryptionType"]), str(key.arn)


def _repository_of_arn(ctx: EcrContext) -> Repository:
    arn = str(ctx.params["resourceArn"])
    prefix = f"arn:aws:ecr:{ctx.settings.region}:{ctx.registry_id}:repository/"
    if not arn.startswith(prefix) or arn == prefix:
        raise invalid_parameter(
            "resourceArn", f"must be a repository ARN starting with '{prefix}'"
        )
    return get_repository(ctx, arn.removeprefix(prefix))
