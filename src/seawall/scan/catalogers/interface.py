"""The cataloger plugin family.

A cataloger looks at the files of one layer and emits :class:`Entry` records:
the packages a file declares, or facts (a distribution name, a license, the
files an OS package owns) that :mod:`~seawall.scan.catalogers.assemble` joins
after the layers are squashed. Because results depend on one layer only,
they are cached per layer digest; ``version`` invalidates that cache when a
cataloger improves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from seawall.scan.image.layer import LayerContents, LayerFile
from seawall.scan.image.limits import ScanLimits
from seawall.scan.inventory import Location, Package


@dataclass(frozen=True, slots=True)
class Entry:
    """What one file of one layer contributes.

    ``path`` keys the entry for whiteouts: a later layer that deletes or
    replaces the file removes the entry.
    """

    path: str
    packages: tuple[Package, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "packages": [p.to_json() for p in self.packages],
            "facts": self.facts,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Entry:
        packages = tuple(Package.from_json(p) for p in obj.get("packages", ()))
        return cls(obj["path"], packages, dict(obj.get("facts", {})))


@dataclass(slots=True)
class LayerView:
    """A cataloger's view of one layer: its captured files and limits."""

    contents: LayerContents
    limits: ScanLimits
    tmpdir: Path  # the scan's private directory, for files a library must open

    @property
    def digest(self) -> str:
        return self.contents.digest

    def location(self, path: str) -> Location:
        return Location(self.contents.digest, path)

    def files(self, cataloger: Cataloger) -> Iterator[LayerFile]:
        """The captured files ``cataloger`` asked for, in path order."""
        for path in sorted(self.contents.files):
            item = self.contents.files[path]
            if cataloger.want(path, item.mode, item.size):
                yield item

    def skip(self, path: str, reason: str) -> None:
        self.contents.skip(path, reason)


class Cataloger(Protocol):
    """Finds packages in the files of one layer."""

    name: str
    version: int

    def want(self, path: str, mode: int, size: int) -> int:
        """WANT_NONE, WANT_FILE or WANT_ELF (the file, if it is an ELF binary)."""
        ...

    def catalog(self, layer: LayerView) -> list[Entry]:
        """Entries for the wanted files; bad files are skipped, never raised."""
        ...
