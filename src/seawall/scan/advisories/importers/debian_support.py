"""debian-security-support's lists of source packages whose security support
ended before their release's end of life (``security-support-ended.debNN``):
columns ``source-package last-supported-version date [details]``; a name may
be a regular expression (``php-horde.*``).

Each line becomes an :class:`EolCycle` of product
``debian-security-support:<release>`` whose cycle is the package name, so
scans can mark the package's unfixed vulnerabilities end-of-life.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from seawall.errors import InvalidInput
from seawall.scan.advisories.model import EolCycle

PRODUCT = "debian-security-support"
_FILE = re.compile(r"security-support-ended\.deb(\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DebianSupportImporter:
    """debian-security-support ``security-support-ended.debNN`` lists."""

    format = "debian-security-support"

    def detect(self, name: str, head: bytes) -> bool:
        return bool(_FILE.search(name))

    def parse(self, name: str, data: bytes) -> Iterator[EolCycle]:
        match = _FILE.search(name)
        if match is None:
            raise InvalidInput(f"invalid debian-security-support file name {name}")
        product = f"{PRODUCT}:{match.group(1)}"
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = text.split(None, 3)
            if len(parts) < 3 or not _DATE.match(parts[2]):
                raise InvalidInput(f"invalid line {number} in {name}: {text!r}")
            yield EolCycle(
                product=product,
                cycle=parts[0],
                eol=parts[2],
                latest=parts[1],
                codename=(parts[3] if len(parts) > 3 else "")[:64],
            )
