"""Findings: what a scan reports, one per vulnerability per package.

Matches from the matchers are merged into :class:`Finding` records:

* **Aliases merge.** The ids and aliases of every match for one package are
  joined (CVE, GHSA, PYSEC, GO, RUSTSEC, CGA, ...); each connected group is
  one finding, reported under its CVE id when it has one. Bundle advisories
  (ALSA, RHSA, USN, DSA, DLA) are split into the CVEs they fix and listed
  under ``advisories`` instead, so one bundle never glues CVEs together.
* **Withdrawn** advisories never reach this stage (the store skips them).
* A distribution verdict of *not affected* for a vulnerability suppresses
  that vulnerability for the package.

Severity is the distribution's own for OS packages when it gives one, else
the highest-version CVSS vector (v4, v3.x, v2) scored by the ``cvss``
library, else the source's word (GHSA ``MODERATE``), else the CISA ADP CVSS.

Priority (0-135, higher first) orders findings so that exploited, fixable,
severe ones lead::

    severity   CRITICAL 40, HIGH 30, MEDIUM 20, LOW 10, other 5
    + 40  known exploited (CISA KEV)    + 10 more if used by ransomware
    + 20  exploitation "active" (CISA ADP), 10 for "poc" (when not in KEV)
    + 20 x EPSS probability (0..1)
    + 15  a fixed version exists
    - 10  the distribution will not fix it (wont-fix, end-of-life)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from seawall.scan.advisories.eol import EolStatus, eol_statuses, support_ended
from seawall.scan.advisories.model import (
    Advisory,
    EpssScore,
    Exploitation,
    KevEntry,
    Severity,
    Status,
)
from seawall.scan.advisories.severity import CvssScore, score_vector, severity_of_score
from seawall.scan.advisories.store import AdvisoryStore
from seawall.scan.inventory import Inventory, Package
from seawall.scan.matchers.interface import Match

_BUNDLES = re.compile(r"^(ALSA|RHSA|RLSA|ELSA|RHBA|RHEA|USN|DSA|DLA|ALAS)-")
_DISTRO_CVE = re.compile(r"^(?:UBUNTU|DEBIAN|ALPINE)-(CVE-\d{4}-\d+)$")
_CVE = re.compile(r"^CVE-\d{4}-\d+$")
_SEVERITY_WEIGHT = {
    Severity.CRITICAL: 40,
    Severity.HIGH: 30,
    Severity.MEDIUM: 20,
    Severity.LOW: 10,
}
_VERDICT_ORDER = (
    Status.WONT_FIX,
    Status.END_OF_LIFE,
    Status.DEFERRED,
    Status.NO_DSA,
    Status.UNDETERMINED,
    Status.AFFECTED,
)
_UNFIXED = frozenset(
    {Status.AFFECTED, Status.NO_DSA, Status.DEFERRED, Status.UNDETERMINED}
)
_OS_ECOSYSTEMS = frozenset(
    {
        "Debian",
        "Ubuntu",
        "Alpine",
        "Wolfi",
        "Chainguard",
        "AlmaLinux",
        "Rocky Linux",
        "Red Hat",
    }
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One vulnerability in one installed package."""

    id: str  # the CVE when there is one
    aliases: tuple[str, ...]
    advisories: tuple[str, ...]  # bundle advisories that fix it (ALSA, USN, ...)
    package: Package
    installed_version: str
    fix_state: str  # fixed | affected | wont-fix | deferred | no-dsa | ...
    fixed_versions: tuple[str, ...]
    severity: str
    severity_source: str  # distro | cvss | advisory | cisa-adp | none
    cvss: tuple[CvssScore, ...] = ()
    kev: KevEntry | None = None
    exploitation: str = ""  # none | poc | active (CISA ADP)
    epss: EpssScore | None = None
    summary: str = ""
    references: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # feeds the matches came from
    note: str = ""
    priority: float = 0.0

    @property
    def fixable(self) -> bool:
        """Whether upgrading to a known version fixes it."""
        return bool(self.fixed_versions)

    @property
    def all_ids(self) -> tuple[str, ...]:
        """The id and its aliases."""
        return (self.id, *self.aliases)


@dataclass(slots=True)
class _Group:
    """Matches merged into one finding (mutable while building)."""

    ids: set[str] = field(default_factory=set)
    bundles: set[str] = field(default_factory=set)
    matches: list[Match] = field(default_factory=list)


def vulnerability_ids(advisory: Advisory) -> list[str]:
    """The vulnerabilities a record is about: its id, or a bundle's CVEs."""
    own = _DISTRO_CVE.match(advisory.id)
    if own:
        return [own.group(1)]
    if _BUNDLES.match(advisory.id):
        cves = [_distro_cve(x) for x in (*advisory.aliases, *advisory.related)]
        cves = sorted({c for c in cves if _CVE.match(c)})
        if cves:
            return cves
    return [advisory.id]


def _distro_cve(value: str) -> str:
    match = _DISTRO_CVE.match(value)
    return match.group(1) if match else value


def _merge(matches: Iterable[Match]) -> list[_Group]:
    """Union of ids and aliases into groups (per package)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    entries = []
    for match in matches:
        adv = match.candidate.advisory
        bundle = adv.id if _BUNDLES.match(adv.id) else ""
        for vuln in vulnerability_ids(adv):
            linked = [vuln] if bundle else [vuln, *map(_distro_cve, adv.aliases)]
            for other in linked[1:]:
                parent[find(other)] = find(vuln)
            entries.append((vuln, linked, bundle, match))
    groups: dict[str, _Group] = {}
    for vuln, linked, bundle, match in entries:
        group = groups.setdefault(find(vuln), _Group())
        group.ids.update(linked)
        group.bundles.update([bundle] if bundle else [])
        group.matches.append(match)
    return list(groups.values())


def _primary(ids: set[str]) -> str:
    cves = sorted(i for i in ids if _CVE.match(i))
    if cves:
        return cves[0]
    for prefix in ("GHSA-", "GO-", "RUSTSEC-", "PYSEC-"):
        hits = sorted(i for i in ids if i.startswith(prefix))
        if hits:
            return hits[0]
    return sorted(ids)[0]


@dataclass(frozen=True, slots=True)
class Enrichment:
    """KEV, EPSS and CISA ADP facts for a set of CVEs."""

    kev: dict[str, KevEntry]
    epss: dict[str, EpssScore]
    exploitation: dict[str, Exploitation]

    @classmethod
    def load(cls, store: AdvisoryStore, cves: Iterable[str]) -> Enrichment:
        """Everything the store knows about ``cves``."""
        wanted = set(cves)
        return cls(store.kev(wanted), store.epss(wanted), store.exploitation(wanted))


def build_findings(matches: Iterable[Match], enrichment: Enrichment) -> list[Finding]:
    """Merged, scored findings sorted by priority (highest first)."""
    by_package: dict[Package, list[Match]] = {}
    for match in matches:
        by_package.setdefault(match.package, []).append(match)
    findings = []
    for package, package_matches in by_package.items():
        for group in _merge(package_matches):
            finding = _finding(package, group, enrichment)
            if finding is not None:
                findings.append(finding)
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Priority first, then severity, then package and id, for stable output."""
    return sorted(
        findings,
        key=lambda f: (
            -f.priority,
            Severity.rank(f.severity),
            f.package.name,
            f.package.version,
            f.id,
        ),
    )


def _finding(package: Package, group: _Group, enrich: Enrichment) -> Finding | None:
    states = {m.fix_state for m in group.matches}
    if Status.NOT_AFFECTED in states:
        return None
    vuln_id = _primary(group.ids)
    ids = sorted(group.ids)
    fixes = _fixes(group.matches)
    fix_state = Status.FIXED if fixes else _verdict(states)
    severity, source, scores = _severity(package, group, enrich)
    kev = next((enrich.kev[i] for i in ids if i in enrich.kev), None)
    epss = max(
        (enrich.epss[i] for i in ids if i in enrich.epss),
        key=lambda e: e.epss,
        default=None,
    )
    exploitation = _exploitation(ids, enrich)
    advisories = [m.candidate.advisory for m in group.matches]
    finding = Finding(
        id=vuln_id,
        aliases=tuple(i for i in ids if i != vuln_id),
        advisories=tuple(sorted(group.bundles)),
        package=package,
        installed_version=package.version,
        fix_state=fix_state,
        fixed_versions=fixes,
        severity=severity,
        severity_source=source,
        cvss=scores,
        kev=kev,
        exploitation=exploitation,
        epss=epss,
        summary=next((a.summary for a in advisories if a.summary), ""),
        references=_references(advisories),
        sources=tuple(sorted({m.candidate.feed for m in group.matches})),
        note="; ".join(sorted({m.note for m in group.matches if m.note})),
    )
    return _with_priority(finding)


def _fixes(matches: list[Match]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for match in matches:
        for fixed in match.fixed_versions:
            seen.setdefault(fixed, None)
    return tuple(_sorted_versions(matches[0].package.ecosystem, list(seen)))


def _sorted_versions(ecosystem: str, versions: list[str]) -> list[str]:
    from seawall.errors import SeawallError
    from seawall.scan.versions import get_scheme

    try:
        scheme = get_scheme(ecosystem)
        return sorted(versions, key=scheme.parse)
    except SeawallError:
        return sorted(versions)


def _verdict(states: set[str]) -> str:
    for state in _VERDICT_ORDER:
        if state in states:
            return state
    return Status.AFFECTED


def _severity(
    package: Package, group: _Group, enrich: Enrichment
) -> tuple[str, str, tuple[CvssScore, ...]]:
    scores = _cvss_scores(group)
    distro = [
        m.candidate.affected.severity
        for m in group.matches
        if m.candidate.affected.severity
    ]
    if package.ecosystem in _OS_ECOSYSTEMS and distro:
        return min(distro, key=Severity.rank), "distro", scores
    if scores:
        best = _preferred(scores)
        return best.severity, "cvss", scores
    words = _words(group)
    if words:
        return min(words, key=Severity.rank), "advisory", scores
    adp = [
        s
        for i in group.ids
        if i in enrich.exploitation
        for v in enrich.exploitation[i].cvss
        if (s := score_vector(v))
    ]
    if adp:
        return _preferred(adp).severity, "cisa-adp", tuple(adp)
    if distro:
        return min(distro, key=Severity.rank), "distro", scores
    return Severity.UNKNOWN, "none", scores


def _cvss_scores(group: _Group) -> tuple[CvssScore, ...]:
    seen: dict[str, CvssScore] = {}
    for match in group.matches:
        for sev in match.candidate.advisory.severity:
            if sev.type.startswith("CVSS_V") and not sev.type.endswith("_SCORE"):
                scored = score_vector(sev.score)
                if scored is not None:
                    seen.setdefault(scored.vector, scored)
    return tuple(seen.values())


def _preferred(scores: Iterable[CvssScore]) -> CvssScore:
    # The newest CVSS version wins; within one version, the highest score.
    return max(scores, key=lambda s: (s.version, s.base_score))


def _words(group: _Group) -> list[str]:
    out = []
    for match in group.matches:
        for sev in match.candidate.advisory.severity:
            if sev.type.endswith("_SCORE"):
                try:
                    out.append(severity_of_score(float(sev.score)))
                except ValueError:
                    continue
            elif not sev.type.startswith("CVSS"):
                word = Severity.normalize(sev.score)
                if word != Severity.UNKNOWN:
                    out.append(word)
    return out


def _exploitation(ids: list[str], enrich: Enrichment) -> str:
    states = {
        enrich.exploitation[i].exploitation for i in ids if i in enrich.exploitation
    }
    for state in ("active", "poc", "none"):
        if state in states:
            return state
    return ""


def _references(advisories: list[Advisory]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for advisory in advisories:
        for ref in advisory.references:
            seen.setdefault(ref, None)
    return tuple(list(seen)[:20])


def priority_of(finding: Finding) -> float:
    """The documented priority score (see the module docstring)."""
    score = float(_SEVERITY_WEIGHT.get(finding.severity, 5))
    if finding.kev is not None:
        score += 40 + (10 if finding.kev.ransomware else 0)
    elif finding.exploitation == "active":
        score += 20
    elif finding.exploitation == "poc":
        score += 10
    if finding.epss is not None:
        score += 20 * finding.epss.epss
    if finding.fixable:
        score += 15
    if finding.fix_state in (Status.WONT_FIX, Status.END_OF_LIFE):
        score -= 10
    return round(max(score, 0.0), 2)


def _with_priority(finding: Finding) -> Finding:
    from dataclasses import replace

    return replace(finding, priority=priority_of(finding))


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan found about one inventory."""

    image: str
    manifest_digest: str
    platform: str
    distro: str  # "debian 12", "" when unknown
    packages: int
    findings: tuple[Finding, ...]
    eol: tuple[EolStatus, ...] = ()
    unsupported: tuple[str, ...] = ()  # ecosystems no matcher handles
    warnings: tuple[str, ...] = ()
    database: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def scan_inventory(
    store: AdvisoryStore,
    inventory: Inventory,
    today: date,
    only: frozenset[tuple[str, str]] | None = None,
) -> ScanResult:
    """Match, merge, enrich and rank the findings of ``inventory``."""
    from seawall.scan.matchers import match_packages

    result = match_packages(store, inventory.packages, only)
    cves = {i for m in result.matches for i in _ids_of(m)}
    findings = build_findings(result.matches, Enrichment.load(store, cves))
    ended = support_ended(store, inventory.packages, today)
    if ended:
        findings = sort_findings(_end_of_support(f, ended) for f in findings)
    eol = eol_statuses(store, inventory.distro, inventory.packages, today)
    distro = inventory.distro
    return ScanResult(
        image=inventory.image,
        manifest_digest=inventory.manifest_digest,
        platform=inventory.platform,
        distro=f"{distro.id} {distro.version_id}" if distro else "",
        packages=len(inventory.packages),
        findings=tuple(findings),
        eol=tuple(eol + list(ended.values())),
        unsupported=tuple(sorted({p.ecosystem for p in result.unsupported})),
        warnings=tuple(_coverage_warnings(store, inventory)),
        database=_database_info(store),
    )


def _end_of_support(finding: Finding, ended: dict[Package, EolStatus]) -> Finding:
    """An unfixed finding in a package out of security support: end-of-life."""
    from dataclasses import replace

    status = ended.get(finding.package)
    if status is None or finding.fix_state not in _UNFIXED:
        return finding
    note = f"security support ended {status.eol}"
    updated = replace(
        finding,
        fix_state=Status.END_OF_LIFE,
        note=f"{finding.note}; {note}" if finding.note else note,
    )
    return _with_priority(updated)


def _ids_of(match: Match) -> list[str]:
    adv = match.candidate.advisory
    return [*vulnerability_ids(adv), *(_distro_cve(a) for a in adv.aliases)]


def _coverage_warnings(store: AdvisoryStore, inventory: Inventory) -> list[str]:
    from seawall.scan.matchers.names import split_ecosystem

    releases = {
        split_ecosystem(p.distro)
        for p in inventory.packages
        if p.distro and p.ecosystem in _OS_ECOSYSTEMS
    }
    return [
        f"no advisory data for {base} {release}; its OS packages were not checked"
        for base, release in sorted(releases)
        if base not in ("Wolfi", "Chainguard") and not store.has_release(base, release)
    ]


def _database_info(store: AdvisoryStore) -> dict[str, str]:
    feeds = store.feeds()
    newest = max((f.last_import for f in feeds), default="")
    return {"schemaVersion": str(store.schema_version), "updatedAt": newest}
