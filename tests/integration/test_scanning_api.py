"""The ECR scanning operations against a live server, with boto3 (every
response checked against botocore's model): BASIC scanning on push through
the legacy per-repository flag, the basic finding shape, manual scans and
their daily limit, and the errors ECR defines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import ADMIN_CREDS, start_server
from tests.integration.ecr_support import ecr_client, upload_blob
from tests.integration.test_ecr_skopeo import skopeo
from tests.integration.test_scanning_continuous import db_import
from tests.live import LiveServer
from tests.unit.scanning.support import write_osv

pytestmark = pytest.mark.integration

ZLIB_CVE = "CVE-2023-45853"


def zlib_record() -> dict[str, Any]:
    """Debian's record for the MiniZip overflow in zlib (bookworm: unfixed
    there; fixed in 1:1.3.dfsg+really1.3.1-1)."""
    return {
        "schema_version": "1.6.0",
        "id": f"DEBIAN-{ZLIB_CVE}",
        "modified": "2024-05-01T00:00:00Z",
        "aliases": [ZLIB_CVE],
        "summary": "integer overflow in MiniZip zipOpenNewFileInZip4_64",
        "severity": [
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
        ],
        "affected": [
            {
                "package": {"ecosystem": "Debian:12", "name": "zlib"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [
                            {"introduced": "0"},
                            {"fixed": "1:1.3.dfsg+really1.3.1-1"},
                        ],
                    }
                ],
            }
        ],
        "references": [
            {
                "type": "WEB",
                "url": f"https://security-tracker.debian.org/tracker/{ZLIB_CVE}",
            }
        ],
    }


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose advisory database holds the zlib record: each test of
    the module can run on its own (a scan with no database ends in
    FINDINGS_UNAVAILABLE, which the ImageScanComplete waiter never accepts)."""
    live = start_server(tmp_path_factory.mktemp("scanapi") / "data")
    db_import(live, write_osv(tmp_path_factory.mktemp("osv"), zlib_record()))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def debian_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.unit.scan.ocibuild import build_layout
    from tests.unit.scan.realcontent import debian_base_layer

    root = tmp_path_factory.mktemp("debimage") / "layout"
    return build_layout(root, [debian_base_layer(with_python_dist=False)], tag="v1")


def push(server: LiveServer, layout: Path, reference: str) -> None:
    skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        ADMIN_CREDS,
        f"oci:{layout}:v1",
        f"docker://{server.host}/{reference}",
    )


def wait_complete(ecr: Any, repository: str, tag: str) -> None:
    ecr.get_waiter("image_scan_complete").wait(
        repositoryName=repository,
        imageId={"imageTag": tag},
        WaiterConfig={"Delay": 1, "MaxAttempts": 90},
    )


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_basic_scanning_through_the_ecr_api(
    api_server: LiveServer, debian_layout: Path
) -> None:
    ecr = ecr_client(api_server)
    default = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert default == {"scanType": "BASIC", "rules": []}
    with pytest.raises(ClientError) as bad:
        ecr.put_registry_scanning_configuration(
            scanType="BASIC",
            rules=[
                {
                    "scanFrequency": "CONTINUOUS_SCAN",
                    "repositoryFilters": [{"filter": "x", "filterType": "WILDCARD"}],
                }
            ],
        )
    assert code(bad) == "ValidationException"

    # The legacy per-repository flag turns scan on push on under BASIC.
    ecr.create_repository(
        repositoryName="basic/app", imageScanningConfiguration={"scanOnPush": True}
    )
    ecr.create_repository(repositoryName="basic/manual")
    configs = ecr.batch_get_repository_scanning_configuration(
        repositoryNames=["basic/app", "basic/manual", "basic/missing"]
    )
    by_name = {c["repositoryName"]: c for c in configs["scanningConfigurations"]}
    assert by_name["basic/app"]["scanFrequency"] == "SCAN_ON_PUSH"
    assert by_name["basic/app"]["scanOnPush"] is True
    assert by_name["basic/manual"]["scanFrequency"] == "MANUAL"
    assert configs["failures"][0]["repositoryName"] == "basic/missing"
    assert configs["failures"][0]["failureCode"] == "REPOSITORY_NOT_FOUND"

    push(api_server, debian_layout, "basic/app:v1")
    wait_complete(ecr, "basic/app", "v1")
    out = ecr.describe_image_scan_findings(
        repositoryName="basic/app", imageId={"imageTag": "v1"}
    )
    assert out["imageScanStatus"]["status"] == "COMPLETE"
    basic = out["imageScanFindings"]["findings"]
    zlib = [f for f in basic if f["name"] == ZLIB_CVE]
    attributes = [{a["key"]: a["value"] for a in f["attributes"]} for f in zlib]
    assert "zlib1g" in {a["package_name"] for a in attributes}
    assert {a["package_version"] for a in attributes} == {"1:1.2.13.dfsg-1"}
    assert {a["fixed_in_version"] for a in attributes} == {"1:1.3.dfsg+really1.3.1-1"}
    assert {f["severity"] for f in zlib} == {"CRITICAL"}
    assert "enhancedFindings" not in out["imageScanFindings"]
    counts = out["imageScanFindings"]["findingSeverityCounts"]
    assert sum(counts.values()) == len(basic)

    # One basic scan per image per day, the on-push scan included.
    with pytest.raises(ClientError) as limited:
        ecr.start_image_scan(repositoryName="basic/app", imageId={"imageTag": "v1"})
    assert code(limited) == "LimitExceededException"


def test_manual_scan_and_errors(api_server: LiveServer, debian_layout: Path) -> None:
    ecr = ecr_client(api_server)
    ecr.create_repository(repositoryName="manual/app")
    push(api_server, debian_layout, "manual/app:v1")
    with pytest.raises(ClientError) as never:
        ecr.describe_image_scan_findings(
            repositoryName="manual/app", imageId={"imageTag": "v1"}
        )
    assert code(never) == "ScanNotFoundException"
    details = ecr.describe_images(repositoryName="manual/app")["imageDetails"]
    assert "imageScanStatus" not in details[0]

    started = ecr.start_image_scan(
        repositoryName="manual/app", imageId={"imageTag": "v1"}
    )
    assert started["imageScanStatus"]["status"] == "IN_PROGRESS"
    assert started["imageId"]["imageDigest"] == details[0]["imageDigest"]
    wait_complete(ecr, "manual/app", "v1")
    described = ecr.describe_images(repositoryName="manual/app")["imageDetails"][0]
    assert described["imageScanStatus"]["status"] == "COMPLETE"
    assert "imageScanCompletedAt" in described["imageScanFindingsSummary"]

    with pytest.raises(ClientError) as missing:
        ecr.start_image_scan(repositoryName="manual/app", imageId={"imageTag": "nope"})
    assert code(missing) == "ImageNotFoundException"
    with pytest.raises(ClientError) as no_repo:
        ecr.start_image_scan(repositoryName="manual/none", imageId={"imageTag": "v1"})
    assert code(no_repo) == "RepositoryNotFoundException"

    # The deprecated per-repository switch still works.
    ecr.put_image_scanning_configuration(
        repositoryName="manual/app", imageScanningConfiguration={"scanOnPush": True}
    )
    config = ecr.batch_get_repository_scanning_configuration(
        repositoryNames=["manual/app"]
    )["scanningConfigurations"][0]
    assert config["scanFrequency"] == "SCAN_ON_PUSH"


def test_artifact_is_unsupported(api_server: LiveServer) -> None:
    ecr = ecr_client(api_server)
    ecr.create_repository(repositoryName="manual/artifact")
    empty = b"{}"
    note = b"not an image"
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.example.note",
            "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": upload_blob(ecr, "manual/artifact", empty),
                "size": len(empty),
            },
            "layers": [
                {
                    "mediaType": "text/plain",
                    "digest": upload_blob(ecr, "manual/artifact", note),
                    "size": len(note),
                }
            ],
        }
    )
    ecr.put_image(
        repositoryName="manual/artifact", imageManifest=manifest, imageTag="n"
    )
    with pytest.raises(ClientError) as unsupported:
        ecr.start_image_scan(
            repositoryName="manual/artifact", imageId={"imageTag": "n"}
        )
    assert code(unsupported) == "UnsupportedImageTypeException"
