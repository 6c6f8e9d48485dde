"""Go module version ordering: semantic versions with a ``v`` prefix.

Pseudo-versions (``v0.0.0-20191109021931-daa7c04131f5``,
``v1.2.4-0.20191109021931-daa7c04131f5``) are SemVer pre-releases, so they
order by their timestamp and before the release they precede.
``+incompatible`` is build metadata and is ignored, like all build metadata,
as ``golang.org/x/mod/semver`` does. The ``v`` is optional because OSV
spells Go versions without it. ``v1`` and ``v1.2`` are accepted shorthands
for ``v1.0.0`` and ``v1.2.0``.
"""

from __future__ import annotations

import re
from typing import Any

from seawall.scan.versions.interface import KeyedScheme
from seawall.scan.versions.semver import semver_key, semver_match

_SHORT = re.compile(r"(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?")


class GoScheme(KeyedScheme):
    """Go module versions, with or without the leading ``v``."""

    name = "Go"

    def _key(self, version: str) -> Any:
        text = version[1:] if version[:1] == "v" else version
        short = _SHORT.fullmatch(text)
        if short is not None:
            major, minor = short.groups()
            text = f"{major}.{minor or 0}.0"
        return semver_key(semver_match(text))
