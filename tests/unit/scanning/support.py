"""Shared helpers: real images in a registry store, OSV records, services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seawall.app import Services, build_services
from seawall.oci.digest import Digest
from seawall.scan.advisories.loader import import_path
from seawall.scan.advisories.store import AdvisoryStore, open_store
from seawall.settings import Settings
from seawall.tasks.worker import Worker

PYYAML_CVE = "CVE-2020-1747"
REQUESTS_CVE = "CVE-2018-18074"


def osv_record(
    osv_id: str,
    cve: str,
    package: str,
    fixed: str,
    *,
    severity: str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    withdrawn: str | None = None,
) -> dict[str, Any]:
    """A small OSV record for a PyPI package (facts from the real advisory)."""
    record: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": osv_id,
        "modified": "2024-01-01T00:00:00Z",
        "published": "2020-03-24T15:15:00Z",
        "aliases": [cve],
        "summary": f"{package} vulnerability {cve}",
        "severity": [{"type": "CVSS_V3", "score": severity}],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": fixed}],
                    }
                ],
            }
        ],
        "references": [
            {"type": "ADVISORY", "url": f"https://nvd.nist.gov/vuln/detail/{cve}"}
        ],
    }
    if withdrawn:
        record["withdrawn"] = withdrawn
        record["modified"] = withdrawn
    return record


def pyyaml_record(**kwargs: Any) -> dict[str, Any]:
    return osv_record("GHSA-6757-jp84-gxfx", PYYAML_CVE, "PyYAML", "5.3.1", **kwargs)


def requests_record(**kwargs: Any) -> dict[str, Any]:
    return osv_record(
        "GHSA-x84v-xcm2-53pg",
        REQUESTS_CVE,
        "requests",
        "2.20.0",
        severity="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        **kwargs,
    )


def write_osv(directory: Path, record: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{record['id']}.json"
    path.write_text(json.dumps(record))
    return path


def import_osv(store: AdvisoryStore, path: Path) -> frozenset[tuple[str, str]]:
    results = import_path(store, path, feed="osv-test", fmt="osv")
    return frozenset(k for r in results for k in r.changed)


def make_services(tmp: Path, **overrides: Any) -> tuple[Services, AdvisoryStore]:
    settings = Settings(
        data_dir=tmp / "data",
        auth_enabled=False,
        encryption=False,
        scan_workers=0,
        **overrides,
    )
    services = build_services(settings)
    advisories = open_store(tmp / "data" / "advisories.db")
    return services, advisories


def push_layout(services: Services, layout: Path, repository: str, tag: str) -> str:
    """Push an OCI layout's single image (or index) into the store; its digest."""
    store = services.store
    index = json.loads((layout / "index.json").read_text())
    top = index["manifests"][0]
    for blob in sorted((layout / "blobs" / "sha256").iterdir()):
        digest = Digest.parse(f"sha256:{blob.name}")
        doc = _json(blob)
        if (
            doc is not None
            and "mediaType" in doc
            and ("layers" in doc or "manifests" in doc)
        ):
            continue
        store.put_blob(repository, iter([blob.read_bytes()]), digest)
    for blob in sorted((layout / "blobs" / "sha256").iterdir()):
        doc = _json(blob)
        if doc is not None and "layers" in doc:
            store.put_manifest(
                repository, f"sha256:{blob.name}", blob.read_bytes(), doc["mediaType"]
            )
    raw = (layout / "blobs" / "sha256" / top["digest"].split(":")[1]).read_bytes()
    store.put_manifest(repository, tag, raw, top["mediaType"])
    return str(top["digest"])


def _json(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def drain(services: Services, limit: int = 50) -> int:
    """Run queued jobs in this thread until none is ready; returns how many."""
    from seawall.scanning.runtime import handlers

    worker = Worker(services.scanning.queue, handlers(services.scanning))
    count = 0
    while count < limit and worker.run_once() is not None:
        count += 1
    return count
