"""RPM distributions of the Red Hat family (AlmaLinux, Rocky Linux, RHEL).

Their advisories (ALSA, RLSA, RHSA) name binary packages, so binary names
come first. An installed version without an epoch is compared with the
fixed version's epoch dropped: catalogers that lose the epoch would
otherwise make every package look older than every fix.
"""

from __future__ import annotations

from typing import ClassVar

from seawall.scan.inventory import Package
from seawall.scan.matchers.distro import DistroMatcher


class RpmMatcher(DistroMatcher):
    """Matches rpm packages against the distribution's OSV errata."""

    ecosystems = frozenset({"AlmaLinux", "Rocky Linux", "Red Hat"})
    # TODO(seawall): Rocky Linux and RHEL publish no fetchable OSV here, so
    # AlmaLinux's errata (same sources, same NEVRAs as a rule) stand in.
    data_for: ClassVar[dict[str, tuple[str, ...]]] = {
        "AlmaLinux": ("AlmaLinux",),
        "Rocky Linux": ("Rocky Linux", "AlmaLinux"),
        "Red Hat": ("Red Hat", "AlmaLinux"),
    }

    def names_of(self, package: Package) -> list[str]:
        names = [package.name, package.source_name or ""]
        return list(dict.fromkeys(n.lower() for n in names if n))

    def version_of(self, package: Package) -> str:
        epoch = package.metadata.get("epoch")
        version = package.version
        if epoch not in (None, "", 0, "0") and ":" not in version:
            return f"{epoch}:{version}"
        return version

    def fixed_for_compare(self, version: str, fixed: str) -> str:
        if ":" in fixed and ":" not in version:
            return fixed.split(":", 1)[1]
        return fixed
