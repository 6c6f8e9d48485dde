"""The importer role: one module per advisory format.

An importer recognises its format from a file's name and first bytes, and
turns the whole file into records. Every importer raises
:class:`seawall.errors.InvalidInput` (message starting "invalid") for a file
that claims its format but cannot be read, naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from seawall.scan.advisories.model import Record


class Importer(Protocol):
    """Reads one advisory format."""

    format: str  # the feed format name: "osv", "debian-tracker", ...

    def detect(self, name: str, head: bytes) -> bool:
        """Whether the file ``name`` starting with ``head`` is this format."""
        ...

    def parse(self, name: str, data: bytes) -> Iterator[Record]:
        """Every record of the file; ``name`` is kept as the records' source."""
        ...
