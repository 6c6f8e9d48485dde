"""The scanning service end to end in one process: real image content in
the registry's storage, a real advisory database, the real job queue."""

from __future__ import annotations

from pathlib import Path

from seawall.scanning import config as cfg
from seawall.scanning import status
from seawall.scanning.continuous import rematch
from seawall.tasks.queue import SUCCEEDED
from tests.unit.scanning.support import (
    PYYAML_CVE,
    REQUESTS_CVE,
    drain,
    import_osv,
    make_services,
    push_layout,
    pyyaml_record,
    requests_record,
    write_osv,
)

CONTINUOUS = cfg.ScanningConfiguration(
    cfg.ENHANCED, (cfg.Rule(cfg.CONTINUOUS_SCAN, ("app*",)),)
)


def _view(services, repository: str, digest: str):  # type: ignore[no-untyped-def]
    repo = services.store.get_repository(repository)
    stored, _ = services.store.get_manifest(repository, digest)
    return services.scanning.view(repo.id, repository, stored)


def test_push_queues_scan_and_finds_vulnerable_package(
    tmp_path: Path, python_image: Path
) -> None:
    services, advisories = make_services(tmp_path)
    import_osv(advisories, write_osv(tmp_path / "osv", pyyaml_record()))
    services.scanning.scans.put_configuration(CONTINUOUS)
    digest = push_layout(services, python_image, "app/api", "v1")

    # The push itself only queued: nothing scanned yet.
    assert services.scanning.on_push("app/api", digest)
    assert _view(services, "app/api", digest).status == status.PENDING
    assert drain(services) >= 1

    view = _view(services, "app/api", digest)
    assert view.status == status.ACTIVE
    ids = {(f.vulnerability_id, f.package.name.lower()) for f in view.findings}
    assert (PYYAML_CVE, "pyyaml") in ids
    assert view.counts.get("CRITICAL", 0) >= 1
    finding = next(f for f in view.findings if f.vulnerability_id == PYYAML_CVE)
    assert finding.fixable
    assert finding.record["fixedVersions"] == ["5.3.1"]
    assert finding.package.locations  # where in the image it was found


def test_push_outside_rules_is_not_scanned(tmp_path: Path, python_image: Path) -> None:
    services, _ = make_services(tmp_path)
    services.scanning.scans.put_configuration(CONTINUOUS)
    digest = push_layout(services, python_image, "other/repo", "v1")
    assert not services.scanning.on_push("other/repo", digest)
    assert _view(services, "other/repo", digest) is None


def test_continuous_rematch_opens_and_closes_findings(
    tmp_path: Path, python_image: Path
) -> None:
    services, advisories = make_services(tmp_path)
    import_osv(advisories, write_osv(tmp_path / "osv", pyyaml_record()))
    services.scanning.scans.put_configuration(CONTINUOUS)
    digest = push_layout(services, python_image, "app/api", "v1")
    services.scanning.on_push("app/api", digest)
    drain(services)
    assert REQUESTS_CVE not in _ids(_view(services, "app/api", digest))

    changed = import_osv(advisories, write_osv(tmp_path / "osv2", requests_record()))
    assert ("PyPI", "requests") in changed
    result = rematch(services.scanning, changed)
    assert (result.images, result.new, result.packages) == (1, 1, 1)
    assert REQUESTS_CVE in _ids(_view(services, "app/api", digest))

    withdrawn = requests_record(withdrawn="2025-01-01T00:00:00Z")
    changed = import_osv(advisories, write_osv(tmp_path / "osv3", withdrawn))
    result = rematch(services.scanning, changed)
    assert result.resolved == 1
    assert REQUESTS_CVE not in _ids(_view(services, "app/api", digest))
    closed = services.scanning.scans.findings(
        services.scanning.scans.platforms(
            services.store.get_repository("app/api").id, digest
        ),
        include_closed=True,
    )
    assert any(
        f.vulnerability_id == REQUESTS_CVE and f.status == "CLOSED" for f in closed
    )
    assert PYYAML_CVE in _ids(_view(services, "app/api", digest))


def test_index_scans_each_platform_and_stores_inventory_once(
    tmp_path: Path, python_index: Path
) -> None:
    services, advisories = make_services(tmp_path)
    import_osv(advisories, write_osv(tmp_path / "osv", pyyaml_record()))
    services.scanning.scans.put_configuration(CONTINUOUS)
    digest = push_layout(services, python_index, "app/multi", "multi")
    services.scanning.on_push("app/multi", digest)
    drain(services)
    repo = services.store.get_repository("app/multi")
    platforms = services.scanning.scans.platforms(repo.id, digest)
    assert len(platforms) == 2
    view = _view(services, "app/multi", digest)
    per_platform = {
        f.platform_digest for f in view.findings if f.vulnerability_id == PYYAML_CVE
    }
    assert per_platform == set(platforms)

    # The same image in a second repository reuses the stored inventories.
    again = push_layout(services, python_index, "app/copy", "multi")
    services.scanning.on_push("app/copy", again)
    drain(services)
    assert _view(services, "app/copy", again).status == status.ACTIVE


def test_no_advisories_means_findings_unavailable(
    tmp_path: Path, python_image: Path
) -> None:
    services, _ = make_services(tmp_path)
    services.scanning.scans.put_configuration(CONTINUOUS)
    digest = push_layout(services, python_image, "app/api", "v1")
    services.scanning.on_push("app/api", digest)
    drain(services)
    view = _view(services, "app/api", digest)
    assert view.status == status.FINDINGS_UNAVAILABLE
    assert "advisory database is empty" in view.description


def test_eligibility_expires_without_pulls(tmp_path: Path, python_image: Path) -> None:
    services, advisories = make_services(tmp_path, scan_rescan_duration_days=1.0)
    import_osv(advisories, write_osv(tmp_path / "osv", pyyaml_record()))
    services.scanning.scans.put_configuration(CONTINUOUS)
    digest = push_layout(services, python_image, "app/api", "v1")
    services.scanning.on_push("app/api", digest)
    drain(services)
    services.scanning._clock = lambda: 10**10  # far in the future
    view = _view(services, "app/api", digest)
    assert view.status == status.SCAN_ELIGIBILITY_EXPIRED
    changed = import_osv(advisories, write_osv(tmp_path / "osv2", requests_record()))
    assert rematch(services.scanning, changed).images == 0


def test_manual_scan_limit_and_unsupported(tmp_path: Path, python_image: Path) -> None:
    import pytest

    from seawall.scanning.service import ScanLimitExceeded

    services, _ = make_services(tmp_path)
    digest = push_layout(services, python_image, "plain", "v1")
    assert services.scanning.start_scan("plain", digest) == status.IN_PROGRESS
    with pytest.raises(ScanLimitExceeded):
        services.scanning.start_scan("plain", digest)
    drain(services)
    jobs = services.scanning.queue.list(kind="scan.image")
    assert jobs[0].state == SUCCEEDED
    assert jobs[0].last_error is None


def _ids(view) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.vulnerability_id for f in view.findings}
