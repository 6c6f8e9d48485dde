"""Real vulnerable versions are found with the right fix; fixed ones are not.

Every case runs against the whole of ../shared/vulndata (plus the two
fixtures in data/): the same database ``seawall db import`` builds.
"""

from __future__ import annotations

import pytest

from seawall.scan.advisories.store import AdvisoryStore
from seawall.scan.findings import Enrichment, Finding, build_findings
from seawall.scan.inventory import Package
from seawall.scan.matchers import match_packages
from tests.unit.scan.advisories.vulndata import full_database


def pkg(name: str, version: str, ecosystem: str, **extra: str) -> Package:
    return Package(
        name=name, version=version, ecosystem=ecosystem, purl="", type="test", **extra
    )  # type: ignore[arg-type]


def findings_for(store: AdvisoryStore, *packages: Package) -> list[Finding]:
    result = match_packages(store, packages)
    ids = {
        i
        for m in result.matches
        for i in (m.candidate.advisory.id, *m.candidate.advisory.aliases)
    }
    return build_findings(result.matches, Enrichment.load(store, ids))


def by_id(findings: list[Finding], vuln_id: str) -> Finding | None:
    return next((f for f in findings if vuln_id in f.all_ids), None)


# (name, ecosystem, vulnerable version, vulnerability, fixed in, first safe version)
CASES = [
    ("requests", "PyPI", "2.19.1", "CVE-2018-18074", "2.20.0", "2.20.0"),
    ("PyYAML", "PyPI", "5.3", "CVE-2020-1747", "5.3.1", "5.3.1"),
    ("pyyaml", "PyPI", "5.3.1", "CVE-2020-14343", "5.4", "5.4"),
    ("Django", "PyPI", "2.2.0", "CVE-2019-12308", "2.2.2", "2.2.2"),
    ("urllib3", "PyPI", "1.24.1", "CVE-2019-11324", "1.24.2", "1.24.2"),
    ("Jinja2", "PyPI", "2.10", "CVE-2019-10906", "2.10.1", "2.10.1"),
    ("lodash", "npm", "4.17.15", "CVE-2020-8203", "4.17.19", "4.17.19"),
    ("lodash", "npm", "4.17.15", "CVE-2021-23337", "4.17.21", "4.17.21"),
    ("minimist", "npm", "1.2.0", "CVE-2020-7598", "1.2.3", "1.2.3"),
    ("minimist", "npm", "1.2.5", "CVE-2021-44906", "1.2.6", "1.2.6"),
    (
        "org.apache.logging.log4j:log4j-core",
        "Maven",
        "2.14.1",
        "CVE-2021-44228",
        "2.15.0",
        "2.15.0",
    ),
    (
        "org.apache.logging.log4j:log4j-core",
        "Maven",
        "2.12.1",
        "CVE-2021-44228",
        "2.12.2",
        "2.12.2",
    ),
    (
        "com.fasterxml.jackson.core:jackson-databind",
        "Maven",
        "2.9.8",
        "CVE-2019-12086",
        "2.9.9",
        "2.9.9",
    ),
    ("golang.org/x/text", "Go", "v0.3.5", "CVE-2021-38561", "0.3.7", "v0.3.7"),
    ("github.com/gin-gonic/gin", "Go", "v1.6.0", "CVE-2020-28483", "1.7.7", "v1.7.7"),
    ("stdlib", "Go", "go1.18.1", "CVE-2022-29526", "1.18.2", "go1.18.2"),
    ("smallvec", "crates.io", "1.6.0", "CVE-2021-25900", "1.6.1", "1.6.1"),
    ("regex", "crates.io", "1.5.4", "CVE-2022-24713", "1.5.5", "1.5.5"),
    ("rack", "RubyGems", "2.0.1", "CVE-2018-16471", "2.0.6", "2.0.6"),
    ("guzzlehttp/guzzle", "Packagist", "6.2.0", "CVE-2016-5385", "6.2.1", "6.2.1"),
    ("Newtonsoft.Json", "NuGet", "12.0.1", "GHSA-5crp-9r3c-p9vr", "13.0.1", "13.0.1"),
]


@pytest.mark.parametrize(("name", "eco", "bad", "vuln", "fix", "good"), CASES)
def test_language_package_found_with_fix_and_not_after(
    full_store: AdvisoryStore,
    *,
    name: str,
    eco: str,
    bad: str,
    vuln: str,
    fix: str,
    good: str,
) -> None:
    found = by_id(findings_for(full_store, pkg(name, bad, eco)), vuln)
    assert found is not None, f"{name} {bad} should be affected by {vuln}"
    assert fix in found.fixed_versions
    assert found.fix_state == "fixed"
    assert by_id(findings_for(full_store, pkg(name, good, eco)), vuln) is None


def test_names_match_across_spellings(full_store: AdvisoryStore) -> None:
    upper = findings_for(full_store, pkg("PyYAML", "5.3", "PyPI"))
    lower = findings_for(full_store, pkg("py_yaml", "5.3", "PyPI"))
    assert {f.id for f in upper}
    assert not lower
    assert {f.id for f in findings_for(full_store, pkg("pyyaml", "5.3", "PyPI"))} == {
        f.id for f in upper
    }


def test_same_name_in_another_ecosystem_never_matches(
    full_store: AdvisoryStore,
) -> None:
    assert findings_for(full_store, pkg("requests", "0.0.1", "npm")) == [] or all(
        "CVE-2018-18074" not in f.all_ids
        for f in findings_for(full_store, pkg("requests", "0.0.1", "npm"))
    )
    assert findings_for(full_store, pkg("lodash", "4.17.15", "PyPI")) == []


def test_each_vulnerability_reported_once_per_package(
    full_store: AdvisoryStore,
) -> None:
    # lodash appears in the npm bundle (GHSA) and Node.js security-wg.
    findings = findings_for(
        full_store, pkg("minimist", "1.2.0", "npm"), pkg("requests", "2.19.1", "PyPI")
    )
    keys = [(f.package.name, f.id) for f in findings]
    assert len(keys) == len(set(keys))
    every_id = [i for f in findings for i in f.all_ids]
    per_package = {(f.package.name, i) for f in findings for i in f.all_ids}
    assert len(every_id) == len(per_package)


def test_log4shell_is_known_exploited_and_first(full_store: AdvisoryStore) -> None:
    findings = findings_for(
        full_store,
        pkg("org.apache.logging.log4j:log4j-core", "2.14.1", "Maven"),
        pkg("requests", "2.19.1", "PyPI"),
        pkg("lodash", "4.17.15", "npm"),
    )
    top = findings[0]
    assert top.id == "CVE-2021-44228"
    assert top.kev is not None
    assert top.kev.date_added == "2021-12-10"
    assert top.severity == "CRITICAL"
    assert top.cvss[0].base_score == 10.0
    assert [f.priority for f in findings] == sorted(
        (f.priority for f in findings), reverse=True
    )


def test_withdrawn_advisories_are_not_reported(full_store: AdvisoryStore) -> None:
    # GO-2024-2730 (gorilla/sessions, every version) was withdrawn in vulndb.
    findings = findings_for(
        full_store, pkg("github.com/gorilla/sessions", "v1.2.2", "Go")
    )
    assert all("GO-2024-2730" not in f.all_ids for f in findings)
    with full_store.engine.connect() as conn:
        from sqlalchemy import select

        from seawall.scan.advisories import schema

        row = conn.execute(
            select(schema.advisories.c.withdrawn).where(
                schema.advisories.c.id == "GO-2024-2730"
            )
        ).scalar_one()
    assert row == "2024-04-17T18:06:23Z"


def test_full_import_of_vulndata(full_store: AdvisoryStore) -> None:
    """`seawall db import` of all of vulndata: every feed, every catalog."""
    _, seconds = full_database()
    feeds = {f.name: f for f in full_store.feeds()}
    assert set(feeds) == {
        "debian-dsa-list",
        "debian-security-support",
        "debian-tracker",
        "eol",
        "epss",
        "friendsofphp",
        "kev",
        "nodejs-security-wg",
        "osv",
        "rubysec",
        "secdb",
        "vulnrichment",
        "wolfi-advisories",
    }
    counts = full_store.counts()
    assert counts["kev"] == 1404
    assert counts["exploitation"] == 378
    assert counts["advisories"] > 50_000
    assert feeds["osv"].withdrawn == 40  # 17 Go + 13 crates.io + 10 PyPI
    assert seconds > 0
