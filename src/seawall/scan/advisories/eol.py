"""End-of-life status of an image's operating system and runtimes.

The OS comes from the inventory's distro (``debian`` 12 -> endoflife.date
product ``debian`` cycle ``12``); runtimes from well-known package names
(``python3.11``, ``nodejs``, Go's ``stdlib``, ``openjdk-17-jre``, ...). A
cycle is found by trying the version's leading components, longest first
(``3.11.4`` -> ``3.11.4``, ``3.11``, ``3``), against the product's cycles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from seawall.scan.advisories.model import EolCycle
from seawall.scan.advisories.store import AdvisoryStore
from seawall.scan.inventory import Distro, Package

_OS_PRODUCTS = {
    "debian": "debian",
    "ubuntu": "ubuntu",
    "alpine": "alpine-linux",
    "almalinux": "almalinux",
    "rocky": "rocky-linux",
    "rhel": "rhel",
    "fedora": "fedora",
    "amzn": "amazon-linux",
    "sles": "sles",
    "ol": "oracle-linux",
}

# (package-name pattern, ecosystems or None for any, product)
_RUNTIMES: tuple[tuple[re.Pattern[str], frozenset[str] | None, str], ...] = (
    (re.compile(r"^(python|python3(\.\d+)?|libpython3\.\d+)$"), None, "python"),
    (re.compile(r"^(nodejs|node)(-\d+)?$"), None, "nodejs"),
    (re.compile(r"^stdlib$"), frozenset({"Go"}), "go"),
    (re.compile(r"^(go|golang)(-\d\.\d+)?$"), None, "go"),
    (re.compile(r"^(ruby|ruby\d\.\d)$"), None, "ruby"),
    (re.compile(r"^(php|php\d(\.\d)?(-cli)?)$"), None, "php"),
    (re.compile(r"^(openjdk|java)-?(\d+)"), None, "eclipse-temurin"),
    (re.compile(r"^postgresql(-\d+)?$"), None, "postgresql"),
    (re.compile(r"^django$"), frozenset({"PyPI"}), "django"),
    (
        re.compile(r"^org\.apache\.logging\.log4j:log4j-core$"),
        frozenset({"Maven"}),
        "log4j",
    ),
    (
        re.compile(r"^org\.springframework:spring-core$"),
        frozenset({"Maven"}),
        "spring-framework",
    ),
)


@dataclass(frozen=True, slots=True)
class EolStatus:
    """Whether one OS or runtime release is past its end of life."""

    subject: str  # "os" or the package name
    product: str
    cycle: str
    version: str
    eol: str  # ISO date, "true"/"false" or "" when unknown
    ended: bool
    latest: str = ""


def _cycle_for(version: str, cycles: Iterable[EolCycle]) -> EolCycle | None:
    known = {c.cycle: c for c in cycles}
    core = version.split("-", maxsplit=1)[0].split("+", maxsplit=1)[0]
    parts = re.findall(r"\d+", core)
    for size in range(len(parts), 0, -1):
        found = known.get(".".join(parts[:size]))
        if found is not None:
            return found
    return None


def _ended(cycle: EolCycle, today: date) -> bool:
    if cycle.eol == "true":
        return True
    try:
        return date.fromisoformat(cycle.eol[:10]) <= today
    except ValueError:
        return False


def _status(
    store: AdvisoryStore, subject: str, product: str, version: str, today: date
) -> EolStatus | None:
    cycle = _cycle_for(version, store.eol_cycles(product))
    if cycle is None:
        return None
    return EolStatus(
        subject,
        product,
        cycle.cycle,
        version,
        cycle.eol,
        _ended(cycle, today),
        cycle.latest,
    )


def eol_statuses(
    store: AdvisoryStore,
    distro: Distro | None,
    packages: Iterable[Package],
    today: date,
) -> list[EolStatus]:
    """EOL status of the OS and of each runtime found, once per product+cycle."""
    out: dict[tuple[str, str], EolStatus] = {}
    if distro is not None and distro.id in _OS_PRODUCTS:
        found = _status(store, "os", _OS_PRODUCTS[distro.id], distro.version_id, today)
        if found is not None:
            out[(found.product, found.cycle)] = found
    for package in packages:
        product = _runtime_product(package)
        if product is None:
            continue
        version = package.version.removeprefix("go").removeprefix("v")
        if ":" in version:
            version = version.split(":", 1)[1]
        found = _status(store, package.name, product, version, today)
        if found is not None:
            out.setdefault((found.product, found.cycle), found)
    return list(out.values())


def _runtime_product(package: Package) -> str | None:
    name = package.name.lower()
    for pattern, ecosystems, product in _RUNTIMES:
        if (ecosystems is None or package.ecosystem in ecosystems) and pattern.match(
            name
        ):
            return product
    return None


def support_ended(
    store: AdvisoryStore, packages: Iterable[Package], today: date
) -> dict[Package, EolStatus]:
    """Debian packages whose security support ended early (per
    debian-security-support), keyed by package."""
    from seawall.scan.advisories.importers.debian_support import PRODUCT
    from seawall.scan.matchers.names import split_ecosystem

    tables: dict[str, list[EolCycle]] = {}
    out: dict[Package, EolStatus] = {}
    for package in packages:
        if package.ecosystem != "Debian" or not package.distro:
            continue
        release = split_ecosystem(package.distro)[1]
        if release not in tables:
            tables[release] = store.eol_cycles(f"{PRODUCT}:{release}")
        entry = _support_entry(tables[release], package.source_name or package.name)
        if entry is not None and _ended(entry, today):
            out[package] = EolStatus(
                package.name,
                PRODUCT,
                release,
                package.version,
                entry.eol,
                True,
                entry.latest,
            )
    return out


def _support_entry(entries: list[EolCycle], name: str) -> EolCycle | None:
    for entry in entries:
        pattern = entry.cycle
        if pattern == name:
            return entry
        if any(c in pattern for c in "*[]+?") and re.fullmatch(pattern, name):
            return entry
    return None
