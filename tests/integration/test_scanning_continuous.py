"""Scanning inside the registry, end to end with real clients.

skopeo pushes an image holding old PyPI releases; the registry scans it on
push (ENHANCED, continuous); boto3 reads the finding (every response
checked against botocore's model). ``seawall db import`` of an advisory
that newly affects a package of the stored image opens a finding without a
push and calls the webhook; withdrawing it closes the finding.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import ADMIN_CREDS, start_server
from tests.integration.ecr_support import ecr_client
from tests.integration.test_ecr_skopeo import skopeo
from tests.live import LiveServer
from tests.unit.scanning.support import (
    PYYAML_CVE,
    REQUESTS_CVE,
    pyyaml_record,
    requests_record,
    write_osv,
)

pytestmark = pytest.mark.integration

REPO = "scan/app"


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]]
    fail_first: list[bool]

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = json.loads(self.rfile.read(length))
        if self.fail_first and self.fail_first.pop():
            self.send_response(503)  # the first delivery fails: it is retried
        else:
            self.bodies.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    bodies: list[dict[str, Any]] = []
    handler = type("Receiver", (_Receiver,), {"bodies": bodies, "fail_first": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", bodies
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def scan_server(
    tmp_path_factory: pytest.TempPathFactory,
    webhook: tuple[str, list[dict[str, Any]]],
) -> Iterator[LiveServer]:
    live = start_server(
        tmp_path_factory.mktemp("scanning") / "data",
        SEAWALL_SCAN_WEBHOOK_URLS=json.dumps([webhook[0]]),
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def python_image_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.unit.scan.ocibuild import build_layout
    from tests.unit.scan.realcontent import python_layer

    root = tmp_path_factory.mktemp("pyimage") / "layout"
    return build_layout(root, [python_layer()], tag="v1")


def push_layout(server: LiveServer, layout: Path, reference: str) -> None:
    """skopeo copy of the layout's ``v1`` image to ``reference`` on ``server``."""
    skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        ADMIN_CREDS,
        f"oci:{layout}:v1",
        f"docker://{server.host}/{reference}",
    )


def seawall_cli(server: LiveServer, *args: str) -> str:
    env = dict(os.environ, SEAWALL_DATA_DIR=str(server.data_dir))
    result = subprocess.run(
        [sys.executable, "-m", "seawall.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def db_import(server: LiveServer, path: Path) -> str:
    return seawall_cli(server, "db", "import", str(path), "--feed", "osv-test", "-q")


def wait_for(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.3)


def findings(ecr: Any, tag: str = "v1") -> dict[str, Any]:
    return ecr.describe_image_scan_findings(  # type: ignore[no-any-return]
        repositoryName=REPO, imageId={"imageTag": tag}
    )


def active_ids(ecr: Any) -> set[str]:
    out = findings(ecr)
    return {
        f["packageVulnerabilityDetails"]["vulnerabilityId"]
        for f in out.get("imageScanFindings", {}).get("enhancedFindings", [])
    }


def test_scan_on_push_and_continuous_rematch(
    scan_server: LiveServer,
    python_image_layout: Path,
    webhook: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    ecr = ecr_client(scan_server)
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "CONTINUOUS_SCAN",
                "repositoryFilters": [{"filter": "scan/*", "filterType": "WILDCARD"}],
            }
        ],
    )
    got = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert got["scanType"] == "ENHANCED"
    assert got["rules"][0]["repositoryFilters"][0]["filter"] == "scan/*"
    db_import(scan_server, write_osv(tmp_path / "a", pyyaml_record()))

    skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        ADMIN_CREDS,
        f"oci:{python_image_layout}:v1",
        f"docker://{scan_server.host}/{REPO}:v1",
    )
    wait_for(lambda: findings(ecr)["imageScanStatus"]["status"] == "ACTIVE")

    # The finding, in the enhanced shape.
    out = findings(ecr)
    enhanced = out["imageScanFindings"]["enhancedFindings"]
    pyyaml = next(
        f
        for f in enhanced
        if f["packageVulnerabilityDetails"]["vulnerabilityId"] == PYYAML_CVE
    )
    package = pyyaml["packageVulnerabilityDetails"]["vulnerablePackages"][0]
    assert package["name"].lower() == "pyyaml"
    assert package["version"] == "5.3"
    assert package["fixedInVersion"] == "5.3.1"
    assert package["sourceLayerHash"].startswith("sha256:")
    assert pyyaml["severity"] == "CRITICAL"
    assert pyyaml["score"] == pytest.approx(9.8)
    assert pyyaml["fixAvailable"] == "YES"
    assert pyyaml["status"] == "ACTIVE"
    assert pyyaml["remediation"]["recommendation"]["text"].endswith("5.3.1 or later.")
    assert out["imageScanFindings"]["findingSeverityCounts"]["CRITICAL"] >= 1
    assert REQUESTS_CVE not in active_ids(ecr)

    detail = ecr.describe_images(repositoryName=REPO, imageIds=[{"imageTag": "v1"}])
    image = detail["imageDetails"][0]
    assert image["imageScanStatus"]["status"] == "ACTIVE"
    summary = image["imageScanFindingsSummary"]["findingSeverityCounts"]
    assert summary["CRITICAL"] >= 1

    # An advisory for another package of the stored image: no push needed.
    printed = db_import(scan_server, write_osv(tmp_path / "b", requests_record()))
    assert "queued continuous re-scan" in printed
    wait_for(lambda: REQUESTS_CVE in active_ids(ecr))
    bodies = webhook[1]
    hook = wait_for(
        lambda: [
            b
            for b in bodies
            if any(
                n["vulnerabilityId"] == REQUESTS_CVE
                for i in b["detail"]["images"]
                for n in i["newFindings"]
            )
        ]
    )[0]
    assert hook["detail"]["trigger"] == "continuous"
    assert hook["detail"]["repositoryName"] == REPO
    assert hook["detail"]["images"][0]["imageDigest"] == image["imageDigest"]

    # Pages of one finding each reassemble the whole list.
    pages = ecr.get_paginator("describe_image_scan_findings").paginate(
        repositoryName=REPO,
        imageId={"imageTag": "v1"},
        PaginationConfig={"PageSize": 1},
    )
    listed = [
        f["packageVulnerabilityDetails"]["vulnerabilityId"]
        for page in pages
        for f in page["imageScanFindings"]["enhancedFindings"]
    ]
    assert sorted(listed) == sorted(active_ids(ecr))
    assert len(listed) >= 2

    # Withdrawn: the finding closes, and the webhook says so.
    withdrawn = requests_record(withdrawn="2025-01-01T00:00:00Z")
    db_import(scan_server, write_osv(tmp_path / "c", withdrawn))
    wait_for(lambda: REQUESTS_CVE not in active_ids(ecr))
    wait_for(
        lambda: any(
            r["vulnerabilityId"] == REQUESTS_CVE
            for b in bodies
            for i in b["detail"]["images"]
            for r in i["resolvedFindings"]
        )
    )
    assert PYYAML_CVE in active_ids(ecr)

    # The operator's view of the same findings.
    listing = json.loads(
        seawall_cli(scan_server, "findings", "--repository", REPO, "-o", "json")
    )
    ids = {f["vulnerabilityId"] for f in listing[0]["findings"]}
    assert PYYAML_CVE in ids
    assert REQUESTS_CVE not in ids
    closed = json.loads(
        seawall_cli(scan_server, "findings", "-r", REPO, "--closed", "-o", "json")
    )
    statuses = {f["vulnerabilityId"]: f["status"] for f in closed[0]["findings"]}
    assert statuses[REQUESTS_CVE] == "CLOSED"
    table = seawall_cli(scan_server, "findings", "--severity", "critical")
    assert PYYAML_CVE in table
    assert REQUESTS_CVE not in table

    # The audit trail's stream holds the change events.
    events = seawall_cli(
        scan_server,
        "audit",
        "query",
        "--event-name",
        "ImageScanFindingsChanged",
        "-o",
        "json",
    )
    assert REQUESTS_CVE in events
