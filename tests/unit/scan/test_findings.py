"""Findings: alias merging, bundle splitting, suppression, severity, priority."""

from __future__ import annotations

from seawall.scan.advisories.model import (
    Advisory,
    Affected,
    EpssScore,
    Exploitation,
    KevEntry,
    SeverityScore,
    Status,
)
from seawall.scan.advisories.severity import score_vector
from seawall.scan.advisories.store import Candidate
from seawall.scan.findings import (
    Enrichment,
    Finding,
    build_findings,
    priority_of,
    vulnerability_ids,
)
from seawall.scan.inventory import Package
from seawall.scan.matchers.interface import Match

LODASH = Package("lodash", "4.17.15", "npm", "pkg:npm/lodash@4.17.15", "npm")
OPENSSL = Package(
    "openssl-libs", "3.0.1-40.el9_0", "AlmaLinux", "", "rpm", distro="AlmaLinux:9"
)
NONE = Enrichment({}, {}, {})


def match(
    package: Package,
    vuln_id: str,
    aliases: tuple[str, ...] = (),
    *,
    fixed: tuple[str, ...] = ("4.17.21",),
    state: str = Status.FIXED,
    related: tuple[str, ...] = (),
    severity: tuple[SeverityScore, ...] = (),
    distro_severity: str = "",
    feed: str = "osv",
) -> Match:
    affected = Affected(package.ecosystem, package.name, severity=distro_severity)
    advisory = Advisory(
        vuln_id,
        (affected,),
        aliases,
        related,
        severity=severity,
        summary=f"summary of {vuln_id}",
    )
    return Match(package, Candidate(advisory, affected, feed), state, fixed)


def test_aliases_merge_into_one_finding_under_the_cve() -> None:
    findings = build_findings(
        [
            match(LODASH, "GHSA-35jh-r3h4-6jhm", ("CVE-2021-23337",)),
            match(LODASH, "CVE-2021-23337", feed="nodejs"),
            match(LODASH, "SNYK-JS-LODASH-1040724", ("GHSA-35jh-r3h4-6jhm",)),
        ],
        NONE,
    )
    (finding,) = findings
    assert finding.id == "CVE-2021-23337"
    assert set(finding.aliases) == {"GHSA-35jh-r3h4-6jhm", "SNYK-JS-LODASH-1040724"}
    assert finding.sources == ("nodejs", "osv")


def test_bundles_split_into_their_cves_and_are_listed() -> None:
    findings = build_findings(
        [
            match(
                OPENSSL,
                "ALSA-2022:7288",
                related=("CVE-2022-3602", "CVE-2022-3786"),
                fixed=("1:3.0.1-43.el9_0",),
            ),
            match(
                OPENSSL,
                "ALSA-2023:0946",
                related=("CVE-2022-3786",),
                fixed=("1:3.0.1-47.el9_1",),
            ),
        ],
        NONE,
    )
    by_id = {f.id: f for f in findings}
    assert set(by_id) == {"CVE-2022-3602", "CVE-2022-3786"}
    assert by_id["CVE-2022-3786"].advisories == ("ALSA-2022:7288", "ALSA-2023:0946")
    assert by_id["CVE-2022-3786"].fixed_versions == (
        "1:3.0.1-43.el9_0",
        "1:3.0.1-47.el9_1",
    )
    assert by_id["CVE-2022-3602"].advisories == ("ALSA-2022:7288",)


def test_distro_cve_records_use_the_cve_id() -> None:
    advisory = Advisory("UBUNTU-CVE-2016-2781", (), (), ("CVE-2016-2781",))
    assert vulnerability_ids(advisory) == ["CVE-2016-2781"]


def test_not_affected_verdict_suppresses_the_vulnerability() -> None:
    wolfi = Package("openssl", "3.1.0-r0", "Wolfi", "", "apk")
    findings = build_findings(
        [
            match(
                wolfi,
                "CGA-aaaa-bbbb-cccc",
                ("CVE-2023-0001",),
                fixed=(),
                state=Status.NOT_AFFECTED,
            ),
            match(wolfi, "GHSA-aaaa-bbbb-cccc", ("CVE-2023-0001",)),
            match(wolfi, "CVE-2023-0002", fixed=("3.1.1-r0",)),
        ],
        NONE,
    )
    assert [f.id for f in findings] == ["CVE-2023-0002"]


def test_unfixed_verdicts_keep_the_strongest_state() -> None:
    deb = Package(
        "zlib1g",
        "1:1.2.13.dfsg-1",
        "Debian",
        "",
        "deb",
        source_name="zlib",
        distro="Debian:12",
    )
    (finding,) = build_findings(
        [
            match(deb, "CVE-2023-45853", fixed=(), state=Status.AFFECTED),
            match(
                deb, "CVE-2023-45853", fixed=(), state=Status.WONT_FIX, feed="debian"
            ),
        ],
        NONE,
    )
    assert finding.fix_state == Status.WONT_FIX
    assert not finding.fixable


def test_severity_prefers_the_distribution_for_os_packages() -> None:
    vector = SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    (finding,) = build_findings(
        [
            match(
                OPENSSL,
                "CVE-2024-0727",
                severity=(vector,),
                distro_severity="LOW",
                fixed=("1:3.0.7-25.el9_3",),
            )
        ],
        NONE,
    )
    assert (finding.severity, finding.severity_source) == ("LOW", "distro")
    assert finding.cvss[0].base_score == 9.8


def test_severity_from_cvss_v4_over_v3_for_packages() -> None:
    v3 = SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L")
    v4 = SeverityScore(
        "CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    )
    (finding,) = build_findings(
        [match(LODASH, "CVE-2020-0001", severity=(v3, v4))], NONE
    )
    assert (finding.severity, finding.severity_source) == ("CRITICAL", "cvss")
    assert {c.version for c in finding.cvss} == {"3.1", "4.0"}


def test_word_severity_and_unknown() -> None:
    word = SeverityScore("GHSA", "MODERATE")
    (moderate,) = build_findings(
        [match(LODASH, "CVE-2020-0002", severity=(word,))], NONE
    )
    assert moderate.severity == "MEDIUM"
    assert moderate.severity_source == "advisory"
    (unknown,) = build_findings([match(LODASH, "CVE-2020-0003")], NONE)
    assert unknown.severity == "UNKNOWN"


def test_cvss_vectors_scored_by_the_library() -> None:
    assert (
        score_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").base_score == 10.0
    )  # type: ignore[union-attr]
    assert score_vector("AV:N/AC:L/Au:N/C:P/I:P/A:P").base_score == 7.5  # type: ignore[union-attr]
    assert score_vector("CVSS:3.1/AV:X/garbage") is None


def test_priority_puts_exploited_fixable_first() -> None:
    enrich = Enrichment(
        kev={"CVE-2021-0001": KevEntry("CVE-2021-0001", "2021-12-10", ransomware=True)},
        epss={"CVE-2021-0002": EpssScore("CVE-2021-0002", 0.5, 0.99)},
        exploitation={"CVE-2021-0003": Exploitation("CVE-2021-0003", "poc")},
    )
    high = SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N")
    crit = SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    findings = build_findings(
        [
            match(LODASH, "CVE-2021-0004", severity=(crit,), fixed=()),
            match(LODASH, "CVE-2021-0001", severity=(high,)),
            match(LODASH, "CVE-2021-0002", severity=(high,)),
            match(LODASH, "CVE-2021-0003", severity=(high,)),
        ],
        enrich,
    )
    # 30 + 40 + 10 + 15; 30 + 20 x 0.5 + 15; 30 + 10 + 15; 40 with no fix.
    assert [(f.id, f.priority) for f in findings] == [
        ("CVE-2021-0001", 95.0),
        ("CVE-2021-0002", 55.0),
        ("CVE-2021-0003", 55.0),
        ("CVE-2021-0004", 40.0),
    ]
    assert findings[0].kev is not None
    assert findings[2].exploitation == "poc"


def test_priority_formula_bounds() -> None:
    base = build_findings(
        [match(LODASH, "CVE-2021-0005", fixed=(), state=Status.WONT_FIX)], NONE
    )[0]
    assert isinstance(base, Finding)
    assert priority_of(base) == 0.0
