"""Advisory records as the importers produce them and the store keeps them.

One :class:`Advisory` is one record of one source file (an OSV document, a
Debian tracker CVE entry, a RubySec YAML file, ...). It names the packages it
affects through :class:`Affected` entries, each keyed by (ecosystem, release,
normalized name) so the matcher can find them with one indexed lookup.

How an affected entry says which versions are vulnerable depends on ``kind``:

* ``osv``: OSV ``ranges`` (ECOSYSTEM / SEMVER events) and an explicit
  ``versions`` list;
* ``npm-range``: ``ranges`` holds npm range expressions (Node.js security-wg);
* ``constraints``: ``ranges`` holds Composer / RubyGems constraint sets
  (``{"vulnerable": [...], "patched": [...], "unaffected": [...]}``);
* ``distro``: a distribution's verdict for one source package in one release:
  ``status`` plus an optional ``fixed`` version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Status:
    """Distribution verdicts, beyond plain fixed / unfixed."""

    FIXED = "fixed"  # fixed in ``fixed``; older versions are vulnerable
    AFFECTED = "affected"  # vulnerable, no fix yet
    WONT_FIX = "wont-fix"  # the distribution does not plan to fix it
    DEFERRED = "deferred"  # postponed: fix later, maybe in a point release
    NO_DSA = "no-dsa"  # Debian: minor issue, fixed through a point release
    END_OF_LIFE = "end-of-life"  # the package is out of security support
    NOT_AFFECTED = "not-affected"  # the distribution says it never was
    UNDETERMINED = "undetermined"  # still being triaged

    ALL = frozenset(
        {
            FIXED,
            AFFECTED,
            WONT_FIX,
            DEFERRED,
            NO_DSA,
            END_OF_LIFE,
            NOT_AFFECTED,
            UNDETERMINED,
        }
    )


class Severity:
    """Normalized severities, ordered from most to least severe."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    NEGLIGIBLE = "NEGLIGIBLE"
    UNKNOWN = "UNKNOWN"

    ORDER = (CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE, UNKNOWN)

    @classmethod
    def rank(cls, severity: str) -> int:
        """0 for CRITICAL up to 5 for UNKNOWN; unknown strings rank last."""
        try:
            return cls.ORDER.index(severity.upper())
        except ValueError:
            return len(cls.ORDER) - 1

    @classmethod
    def normalize(cls, text: str | None) -> str:
        """Map a source's word (``moderate``, ``important``, ``high**``) to ours."""
        if not text:
            return cls.UNKNOWN
        word = text.strip().rstrip("*").lower()
        return _SEVERITY_WORDS.get(word, cls.UNKNOWN)


_SEVERITY_WORDS = {
    "critical": Severity.CRITICAL,
    "urgent": Severity.CRITICAL,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
    "negligible": Severity.NEGLIGIBLE,
    "unimportant": Severity.NEGLIGIBLE,
    "none": Severity.NEGLIGIBLE,
}


@dataclass(frozen=True, slots=True)
class Affected:
    """Which versions of one package an advisory affects."""

    ecosystem: str  # OSV base name: "PyPI", "Debian", "Alpine", ...
    name: str  # normalized with seawall.scan.matchers.names
    kind: str = "osv"  # osv | npm-range | constraints | distro
    release: str = ""  # distro release ("12", "3.19", "9"); "" for languages
    ranges: tuple[Any, ...] = ()
    versions: tuple[str, ...] = ()
    status: str = Status.AFFECTED
    fixed: str = ""  # distro fixed version, when status is FIXED
    severity: str = ""  # the distribution's own severity, normalized
    note: str = ""  # the source's own wording (Debian nodsa reason, ...)


@dataclass(frozen=True, slots=True)
class SeverityScore:
    """A severity as an advisory states it: a CVSS vector or a word."""

    type: str  # CVSS_V2 | CVSS_V3 | CVSS_V4 | Ubuntu | GHSA | ...
    score: str


@dataclass(frozen=True, slots=True)
class Advisory:
    """One source record.

    ``aliases`` name the same vulnerability elsewhere (CVE, GHSA, PYSEC, GO,
    RUSTSEC, CGA); ``related`` names vulnerabilities a bundle advisory
    covers (the CVEs of an ALSA, USN or DSA), which findings split on.
    ``withdrawn`` is the ISO time of withdrawal, empty while in force.
    """

    id: str
    affected: tuple[Affected, ...]
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    summary: str = ""
    published: str = ""
    modified: str = ""
    withdrawn: str = ""
    severity: tuple[SeverityScore, ...] = ()
    references: tuple[str, ...] = ()
    source: str = ""  # file (or zip member, or URL) the record came from
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class KevEntry:
    """One CISA Known Exploited Vulnerabilities catalog entry."""

    cve: str
    date_added: str
    due_date: str = ""
    ransomware: bool = False
    name: str = ""


@dataclass(frozen=True, slots=True)
class EpssScore:
    """One EPSS score: probability of exploitation in the next 30 days."""

    cve: str
    epss: float
    percentile: float
    score_date: str = ""


@dataclass(frozen=True, slots=True)
class Exploitation:
    """CISA ADP (vulnrichment) facts about one CVE, lower-cased."""

    cve: str
    exploitation: str = ""  # none | poc | active
    automatable: str = ""  # yes | no
    technical_impact: str = ""  # partial | total
    cvss: tuple[str, ...] = ()  # vectors the ADP container adds


@dataclass(frozen=True, slots=True)
class EolCycle:
    """One release cycle of a product, from endoflife.date."""

    product: str
    cycle: str
    eol: str = ""  # ISO date, "true" (ended, no date), "false" or ""
    eoes: str = ""  # end of extended support, same encoding
    release_date: str = ""
    latest: str = ""
    codename: str = ""


Record = Advisory | KevEntry | EpssScore | Exploitation | EolCycle
