"""Scanning operations: registry configuration, manual scans, findings.

Calls ``services.extras["scanning"]``
(:class:`seawall.scanning.service.ScanningService`). Findings come in
ECR's basic shape (``findings``) for a BASIC scan and in the enhanced shape
(``enhancedFindings``, as Amazon Inspector reports them) for an ENHANCED
scan; both are paged by ``maxResults``/``nextToken``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from seawall.ecr.context import EcrContext
from seawall.ecr.errors import EcrError
from seawall.ecr.operations import operation
from seawall.ecr.operations.repositories import get_repository
from seawall.ecr.pagination import paginate
from seawall.errors import InvalidInput, ManifestUnknown, NotFound
from seawall.scanning import config as cfg
from seawall.scanning.records import StoredFinding
from seawall.scanning.service import (
    ScanLimitExceeded,
    ScanningService,
    ScanView,
    UnsupportedImage,
)
from seawall.storage.registry import StoredManifest

_BASIC_SEVERITY = {"NEGLIGIBLE": "INFORMATIONAL", "UNKNOWN": "UNDEFINED"}
_ENHANCED_SEVERITY = {"NEGLIGIBLE": "INFORMATIONAL", "UNKNOWN": "UNTRIAGED"}
_PACKAGE_MANAGERS = {
    "deb": "OS",
    "apk": "OS",
    "rpm": "OS",
    "python": "PYTHONPKG",
    "npm": "NODEPKG",
    "go-module": "GOBINARY",
    "java-archive": "JAR",
    "rust-crate": "CARGO",
    "gem": "GEMSPEC",
    "php-composer": "COMPOSER",
    "dotnet": "NUGET",
}


def _service(ctx: EcrContext) -> ScanningService:
    service = ctx.services.extras.get("scanning")
    if service is None:
        raise EcrError("ServerException", "failed to scan: scanning is not configured")
    return service  # type: ignore[no-any-return]


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


# -- configuration ------------------------------------------------------------


@operation("PutRegistryScanningConfiguration", scope="registry", changes_state=True)
def put_registry_scanning_configuration(ctx: EcrContext) -> dict[str, Any]:
    ctx.check_registry()
    doc = {"scanType": ctx.params.get("scanType", cfg.BASIC)}
    doc["rules"] = ctx.params.get("rules", [])
    try:
        config = cfg.ScanningConfiguration.from_json(doc)
    except InvalidInput as exc:
        raise EcrError("ValidationException", exc.message) from exc
    _service(ctx).scans.put_configuration(config)
    return {"registryScanningConfiguration": config.to_json()}


@operation("GetRegistryScanningConfiguration", scope="registry")
def get_registry_scanning_configuration(ctx: EcrContext) -> dict[str, Any]:
    ctx.check_registry()
    config = _service(ctx).scans.configuration()
    return {"registryId": ctx.registry_id, "scanningConfiguration": config.to_json()}


@operation("BatchGetRepositoryScanningConfiguration", scope="handler")
def batch_get_repository_scanning_configuration(ctx: EcrContext) -> dict[str, Any]:
    service = _service(ctx)
    found: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for name in dict.fromkeys(ctx.params["repositoryNames"]):
        ctx.require(
            "ecr:BatchGetRepositoryScanningConfiguration", ctx.repository_arn(name)
        )
        if ctx.services.registry.find_repository(name) is None:
            failures.append(
                {
                    "repositoryName": name,
                    "failureCode": "REPOSITORY_NOT_FOUND",
                    "failureReason": "REPOSITORY_NOT_FOUND",
                }
            )
            continue
        effective = service.effective(name)
        found.append(
            {
                "repositoryArn": ctx.repository_arn(name),
                "repositoryName": name,
                "scanOnPush": effective.scan_on_push,
                "scanFrequency": effective.scan_frequency,
                "appliedScanFilters": [
                    {"filter": f, "filterType": "WILDCARD"}
                    for f in effective.applied_filters
                ],
            }
        )
    return {"scanningConfigurations": found, "failures": failures}


# -- StartImageScan -----------------------------------------------------------


def _image(ctx: EcrContext, name: str) -> StoredManifest:
    image_id = ctx.params["imageId"]
    reference = image_id.get("imageDigest") or image_id.get("imageTag")
    try:
        if reference is None:
            raise InvalidInput("missing image digest and tag")
        found = ctx.services.registry.get_manifest(name, reference)
        stored: StoredManifest = found[0]
    except (NotFound, InvalidInput) as exc:
        raise _image_not_found(ctx, name, image_id) from exc
    digest = image_id.get("imageDigest")
    if digest is not None and str(stored.digest) != digest:
        raise _image_not_found(ctx, name, image_id)
    return stored


def _image_not_found(ctx: EcrContext, name: str, image_id: dict[str, str]) -> EcrError:
    text = ", ".join(f"{k}={v}" for k, v in sorted(image_id.items()))
    return EcrError(
        "ImageNotFoundException",
        f"The image with imageId {{{text}}} does not exist within the repository "
        f"with name '{name}' in the registry with id '{ctx.registry_id}'",
    )


def _image_id(ctx: EcrContext, stored: StoredManifest) -> dict[str, str]:
    out = {"imageDigest": str(stored.digest)}
    if "imageTag" in ctx.params["imageId"]:
        out["imageTag"] = ctx.params["imageId"]["imageTag"]
    return out


@operation("StartImageScan", changes_state=True)
def start_image_scan(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    stored = _image(ctx, repo.name)
    service = _service(ctx)
    try:
        status = service.start_scan(repo.name, str(stored.digest))
    except ScanLimitExceeded as exc:
        raise EcrError("LimitExceededException", exc.message) from exc
    except UnsupportedImage as exc:
        raise EcrError("UnsupportedImageTypeException", exc.message) from exc
    except ManifestUnknown as exc:
        raise _image_not_found(ctx, repo.name, ctx.params["imageId"]) from exc
    view = service.view(repo.id, repo.name, stored, findings=False)
    description = view.description if view else ""
    return {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "imageId": _image_id(ctx, stored),
        "imageScanStatus": {"status": status, "description": description},
    }


# -- DescribeImageScanFindings -----------------------------------------------


@operation("DescribeImageScanFindings")
def describe_image_scan_findings(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    stored = _image(ctx, repo.name)
    view = _service(ctx).view(repo.id, repo.name, stored)
    if view is None:
        raise EcrError(
            "ScanNotFoundException",
            f"Image scan does not exist for the image with '{_describe(ctx)}' in "
            f"the repository with name '{repo.name}' in the registry with id "
            f"'{ctx.registry_id}'",
        )
    out: dict[str, Any] = {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "imageId": _image_id(ctx, stored),
        "imageScanStatus": {"status": view.status, "description": view.description},
    }
    if view.completed_at is None:
        return out
    enhanced = view.scan_type == cfg.ENHANCED
    key = "enhancedFindings" if enhanced else "findings"
    page = paginate(
        view.findings,
        _finding_key,
        ctx.params,
        f"DescribeImageScanFindings:{repo.name}@{stored.digest}",
    )
    tags = ctx.services.registry.tags_by_digest(repo.name).get(str(stored.digest), [])
    render = (
        (lambda f: _enhanced(ctx, repo.name, stored, tags, f)) if enhanced else _basic
    )
    rendered = page.output(key, render)
    findings = {
        "imageScanCompletedAt": _time(view.completed_at),
        "vulnerabilitySourceUpdatedAt": _time(view.source_updated_at),
        "findingSeverityCounts": severity_counts(view),
        key: rendered[key],
    }
    out["imageScanFindings"] = findings
    if "nextToken" in rendered:
        out["nextToken"] = rendered["nextToken"]
    return out


def _describe(ctx: EcrContext) -> str:
    image_id = ctx.params["imageId"]
    return ", ".join(f"{k}={v}" for k, v in sorted(image_id.items()))


def _finding_key(finding: StoredFinding) -> str:
    # Listed in priority order; the key keeps that order stable across pages.
    priority = 1000.0 - float(finding.record.get("priority", 0.0))
    return (
        f"{priority:09.3f}|{finding.vulnerability_id}|{finding.package.purl}|"
        f"{finding.platform_digest}"
    )


def severity_counts(view: ScanView) -> dict[str, int]:
    """Counts of active findings by ECR's FindingSeverity."""
    out: dict[str, int] = {}
    for severity, count in view.counts.items():
        name = _BASIC_SEVERITY.get(severity, severity)
        out[name] = out.get(name, 0) + count
    return out


def _basic(finding: StoredFinding) -> dict[str, Any]:
    record = finding.record
    attributes = {
        "package_name": finding.package.name,
        "package_version": finding.package.version,
        "CVSS2_VECTOR": _vector(record, "2"),
        "CVSS3_VECTOR": _vector(record, "3"),
        "CVSS3_SCORE": _score(record, "3"),
        "fixed_in_version": ", ".join(record["fixedVersions"]),
    }
    return {
        "name": finding.vulnerability_id,
        "description": (record.get("summary") or "")[:4000] or None,
        "uri": next(iter(record.get("references") or ()), None),
        "severity": _BASIC_SEVERITY.get(finding.severity, finding.severity),
        "attributes": [
            {"key": k, "value": v[:256]} for k, v in attributes.items() if v
        ],
    }


def _vector(record: dict[str, Any], major: str) -> str:
    for score in record.get("cvss") or ():
        if str(score["version"]).startswith(major):
            return str(score["vector"])
    return ""


def _score(record: dict[str, Any], major: str) -> str:
    for score in record.get("cvss") or ():
        if str(score["version"]).startswith(major):
            return str(score["baseScore"])
    return ""


def _enhanced(
    ctx: EcrContext,
    repository: str,
    stored: StoredManifest,
    tags: list[str],
    finding: StoredFinding,
) -> dict[str, Any]:
    record, package = finding.record, finding.package
    best = _best_cvss(record)
    arn_id = hashlib.sha256(
        f"{finding.platform_digest}|{package.purl}|{finding.vulnerability_id}".encode()
    ).hexdigest()[:32]
    out: dict[str, Any] = {
        "awsAccountId": ctx.registry_id,
        "description": record.get("summary") or finding.vulnerability_id,
        "findingArn": f"arn:aws:inspector2:{ctx.settings.region}:{ctx.registry_id}"
        f":finding/{arn_id}",
        "firstObservedAt": _time(finding.first_observed_at),
        "lastObservedAt": _time(finding.last_observed_at),
        "updatedAt": _time(finding.updated_at),
        "severity": _ENHANCED_SEVERITY.get(finding.severity, finding.severity),
        "status": finding.status,
        "title": f"{finding.vulnerability_id} - {package.name}",
        "type": "PACKAGE_VULNERABILITY",
        "fixAvailable": "YES" if finding.fixable else "NO",
        "exploitAvailable": "YES" if finding.exploited else "NO",
        "packageVulnerabilityDetails": _details(record, finding),
        "remediation": {"recommendation": _recommendation(record, package.name)},
        "resources": [_resource(ctx, repository, stored, tags, finding)],
    }
    if best is not None:
        out["score"] = float(best["baseScore"])
        out["scoreDetails"] = {
            "cvss": {
                "score": float(best["baseScore"]),
                "scoreSource": _source(record),
                "scoringVector": best["vector"],
                "version": best["version"],
                "adjustments": [],
            }
        }
    return out


def _best_cvss(record: dict[str, Any]) -> dict[str, Any] | None:
    scores = record.get("cvss") or []
    return max(scores, key=lambda s: (s["version"], s["baseScore"]), default=None)


def _source(record: dict[str, Any]) -> str:
    sources = record.get("sources") or []
    return str(sources[0]).upper() if sources else "SEAWALL"


def _details(record: dict[str, Any], finding: StoredFinding) -> dict[str, Any]:
    package = finding.package
    location = package.locations[0] if package.locations else None
    vulnerable = {
        "name": package.name,
        "version": package.version,
        "packageManager": _PACKAGE_MANAGERS.get(package.type, package.type.upper()),
        "fixedInVersion": ", ".join(record["fixedVersions"]) or "NotAvailable",
    }
    if location is not None:
        vulnerable["filePath"] = location.path
        vulnerable["sourceLayerHash"] = location.layer_digest
    references = list(record.get("references") or ())
    return {
        "cvss": [
            {
                "baseScore": float(s["baseScore"]),
                "scoringVector": s["vector"],
                "source": _source(record),
                "version": s["version"],
            }
            for s in record.get("cvss") or ()
        ],
        "referenceUrls": references,
        "relatedVulnerabilities": list(record.get("aliases") or ()),
        "source": _source(record),
        "sourceUrl": references[0] if references else None,
        "vendorSeverity": record.get("severity"),
        "vulnerabilityId": finding.vulnerability_id,
        "vulnerablePackages": [vulnerable],
    }


def _recommendation(record: dict[str, Any], name: str) -> dict[str, Any]:
    fixed = record["fixedVersions"]
    text = (
        f"Upgrade {name} to {fixed[0]} or later."
        if fixed
        else f"No fixed version of {name} is known yet."
    )
    references = record.get("references") or []
    return {"text": text, "url": references[0] if references else None}


def _resource(
    ctx: EcrContext,
    repository: str,
    stored: StoredManifest,
    tags: list[str],
    finding: StoredFinding,
) -> dict[str, Any]:
    digest = str(stored.digest)
    distro = finding.package.distro or ""
    return {
        "id": f"{ctx.repository_arn(repository)}/{digest}",
        "type": "AWS_ECR_CONTAINER_IMAGE",
        "details": {
            "awsEcrContainerImage": {
                "imageHash": digest,
                "imageTags": tags,
                "platform": distro.replace(":", "_").upper() or None,
                "pushedAt": _time(stored.created_at),
                "registry": ctx.registry_id,
                "repositoryName": repository,
            }
        },
    }


def scan_fields(ctx: EcrContext, manifest: StoredManifest) -> dict[str, Any]:
    """``imageScanStatus`` and ``imageScanFindingsSummary`` for DescribeImages."""
    service = ctx.services.extras.get("scanning")
    repo = ctx.services.registry.find_repository(manifest.repository)
    if service is None or repo is None:
        return {}
    view = service.view(repo.id, repo.name, manifest, findings=False)
    if view is None:
        return {}
    out: dict[str, Any] = {
        "imageScanStatus": {"status": view.status, "description": view.description}
    }
    if view.completed_at is not None:
        out["imageScanFindingsSummary"] = {
            "imageScanCompletedAt": _time(view.completed_at),
            "vulnerabilitySourceUpdatedAt": _time(view.source_updated_at),
            "findingSeverityCounts": severity_counts(view),
        }
    return out
