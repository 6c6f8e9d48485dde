"""Scale-out: ``seawall serve`` with no in-process workers queues scans;
a separate ``seawall worker`` process runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import start_server
from tests.integration.ecr_support import ecr_client
from tests.integration.test_scanning_continuous import (
    db_import,
    findings,
    push_layout,
    python_image_layout,  # noqa: F401 - the fixture, shared
    wait_for,
)
from tests.live import LiveServer
from tests.unit.scanning.support import PYYAML_CVE, pyyaml_record, write_osv

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def queue_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(
        tmp_path_factory.mktemp("scanworker") / "data", SEAWALL_SCAN_WORKERS="0"
    )
    yield live
    live.stop()


def test_worker_process_runs_queued_scans(
    queue_only: LiveServer,
    python_image_layout: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    ecr: Any = ecr_client(queue_only)
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "scan", "filterType": "WILDCARD"}],
            }
        ],
    )
    db_import(queue_only, write_osv(tmp_path / "osv", pyyaml_record()))
    push_layout(queue_only, python_image_layout, "scan/app:v1")
    time.sleep(2.0)
    assert findings(ecr)["imageScanStatus"]["status"] == "PENDING"

    env = dict(os.environ, SEAWALL_DATA_DIR=str(queue_only.data_dir))
    worker = subprocess.Popen(
        [sys.executable, "-m", "seawall.cli.main", "worker", "--concurrency", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: findings(ecr)["imageScanStatus"]["status"] == "ACTIVE", 120)
    finally:
        worker.terminate()
        worker.wait(30)
    enhanced = findings(ecr)["imageScanFindings"]["enhancedFindings"]
    assert PYYAML_CVE in {
        f["packageVulnerabilityDetails"]["vulnerabilityId"] for f in enhanced
    }
    assert worker.returncode == 0
