"""Advisory importers, one module per format, tried in :data:`IMPORTERS` order
(most specific first, OSV last since many formats carry an ``"id"``)."""

from __future__ import annotations

from seawall.scan.advisories.importers.debian_lists import DebianListImporter
from seawall.scan.advisories.importers.debian_support import DebianSupportImporter
from seawall.scan.advisories.importers.debian_tracker import DebianTrackerImporter
from seawall.scan.advisories.importers.eol import EolImporter
from seawall.scan.advisories.importers.epss import EpssImporter
from seawall.scan.advisories.importers.friendsofphp import FriendsOfPhpImporter
from seawall.scan.advisories.importers.interface import Importer
from seawall.scan.advisories.importers.kev import KevImporter
from seawall.scan.advisories.importers.nodejs_wg import NodejsWgImporter
from seawall.scan.advisories.importers.osv import OsvImporter
from seawall.scan.advisories.importers.rubysec import RubySecImporter
from seawall.scan.advisories.importers.secdb import SecdbImporter
from seawall.scan.advisories.importers.vulnrichment import VulnrichmentImporter
from seawall.scan.advisories.importers.wolfi_advisories import WolfiAdvisoriesImporter

# TODO(seawall): Ubuntu's CVE tracker text and debian-security-support's
# "limited" list are not read; Ubuntu's OSV carries the same verdicts.
IMPORTERS: tuple[Importer, ...] = (
    KevImporter(),
    VulnrichmentImporter(),
    EpssImporter(),
    EolImporter(),
    DebianTrackerImporter(),
    DebianSupportImporter(),
    DebianListImporter(),
    NodejsWgImporter(),
    WolfiAdvisoriesImporter(),
    SecdbImporter(),
    RubySecImporter(),
    FriendsOfPhpImporter(),
    OsvImporter(),
)

BY_FORMAT: dict[str, Importer] = {i.format: i for i in IMPORTERS}


def detect(name: str, head: bytes) -> Importer | None:
    """The importer for a file, or None when no format claims it."""
    for importer in IMPORTERS:
        if importer.detect(name, head):
            return importer
    return None


__all__ = ["BY_FORMAT", "IMPORTERS", "Importer", "detect"]
