"""The advisory store: change tracking, withdrawal, replace, export, schema
version, and the same behaviour on PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from seawall.errors import InvalidInput
from seawall.scan.advisories.importers.osv import OsvImporter
from seawall.scan.advisories.loader import import_path
from seawall.scan.advisories.model import Advisory, KevEntry
from seawall.scan.advisories.store import AdvisoryStore, open_store
from tests.unit.scan.advisories.vulndata import require_vulndata

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def records(*names: str) -> list[Advisory]:
    root = require_vulndata() / "osv/PyPI"
    out: list[Advisory] = []
    for name in names:
        for path in sorted((root / name).glob("*.yaml")):
            out.extend(OsvImporter().parse(path.name, path.read_bytes()))
    return out


@pytest.fixture
def store(tmp_path: Path) -> AdvisoryStore:
    return open_store(tmp_path / "adv.db", clock=lambda: NOW)


def check_change_tracking(store: AdvisoryStore) -> None:
    """The contract both engines must keep."""
    first = store.import_records("pypa", "osv", records("requests", "jinja2"))
    assert first.added == first.records > 0
    assert first.changed == {("PyPI", "requests"), ("PyPI", "jinja2")}

    again = store.import_records("pypa", "osv", records("requests", "jinja2"))
    assert again.added == again.updated == 0
    assert again.changed == frozenset()

    changed = [
        dataclasses.replace(r, summary="edited") if r.id == "PYSEC-2018-28" else r
        for r in records("requests", "jinja2")
    ]
    edit = store.import_records("pypa", "osv", changed)
    assert edit.updated == 1
    assert edit.changed == {("PyPI", "requests")}

    withdrawn = [
        dataclasses.replace(r, withdrawn="2026-01-01T00:00:00Z")
        if r.id == "PYSEC-2019-217"
        else r
        for r in changed
    ]
    gone = store.import_records("pypa", "osv", withdrawn)
    assert gone.changed == {("PyPI", "jinja2")}
    assert gone.withdrawn == 1
    ids = {
        c.advisory.id
        for cs in store.candidates([("PyPI", "jinja2")]).values()
        for c in cs
    }
    assert "PYSEC-2019-217" not in ids
    assert ids

    replaced = store.import_records("pypa", "osv", records("requests"), replace=True)
    assert replaced.removed > 0
    assert ("PyPI", "jinja2") in replaced.changed
    assert store.candidates([("PyPI", "jinja2")]) == {}
    assert store.changed_since_last_import("pypa") == replaced.changed
    (status,) = store.feeds()
    assert status.name == "pypa"
    assert status.last_import.startswith("2026-12-03T12:00")


def test_change_tracking_on_sqlite(store: AdvisoryStore) -> None:
    check_change_tracking(store)


@pytest.mark.postgres
def test_change_tracking_on_postgresql(postgres_url: str) -> None:
    store = open_store(postgres_url, clock=lambda: NOW)
    try:
        with store.engine.begin() as conn:
            for table in ("advisory_affected", "advisories", "advisory_feeds", "kev"):
                conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        check_change_tracking(store)
        store.import_records("kev", "kev", [KevEntry("CVE-2021-44228", "2021-12-10")])
        assert (
            store.kev(["CVE-2021-44228"])["CVE-2021-44228"].date_added == "2021-12-10"
        )
    finally:
        store.close()


def test_enrichment_upserts(store: AdvisoryStore) -> None:
    store.import_records("kev", "kev", [KevEntry("CVE-2021-44228", "2021-12-10")])
    store.import_records(
        "kev", "kev", [KevEntry("CVE-2021-44228", "2021-12-10", "2021-12-24", True)]
    )
    entry = store.kev(["CVE-2021-44228", "CVE-2000-0001"])
    assert list(entry) == ["CVE-2021-44228"]
    assert entry["CVE-2021-44228"].ransomware


def test_schema_version_mismatch_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "adv.db")
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE advisory_meta SET value='99' WHERE key='schema_version'")
        )
    store.close()
    with pytest.raises(
        InvalidInput, match="unsupported advisory database schema version 99"
    ):
        open_store(tmp_path / "adv.db")


def test_export_is_a_complete_copy(store: AdvisoryStore, tmp_path: Path) -> None:
    store.import_records("pypa", "osv", records("requests"))
    target = store.export_sqlite(tmp_path / "copy.db")
    copy = open_store(target)
    assert copy.counts() == store.counts()
    assert [f.name for f in copy.feeds()] == ["pypa"]
    with pytest.raises(InvalidInput, match="already exists"):
        store.export_sqlite(target)


def test_failed_import_rolls_back_the_feed(
    store: AdvisoryStore, tmp_path: Path
) -> None:
    good = require_vulndata() / "osv/PyPI/requests"
    folder = tmp_path / "feed"
    folder.mkdir()
    for path in good.glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "zz-broken.json").write_text('{"id": "X-1", "affected": [')
    with pytest.raises(InvalidInput, match=r"invalid JSON in zz-broken\.json"):
        import_path(store, folder, fmt="osv")
    assert store.counts()["advisories"] == 0
    assert store.feeds() == []


def test_eol_sources_complement_each_other(store: AdvisoryStore) -> None:
    from seawall.scan.advisories.model import EolCycle

    store.import_records(
        "eol", "eol", [EolCycle("python", "3.9", "2025-10-31", latest="3.9.24")]
    )
    store.import_records(
        "eol",
        "eol",
        [EolCycle("python", "3.9", "2025-10-31", release_date="2020-10-05")],
    )
    (cycle,) = store.eol_cycles("python")
    assert (cycle.latest, cycle.release_date) == ("3.9.24", "2020-10-05")
