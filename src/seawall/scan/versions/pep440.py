"""PEP 440 version ordering (PyPI), delegated to ``packaging``.

``packaging`` is the PyPA's reference implementation that pip itself uses,
so Seawall orders Python versions exactly as installers do: epochs,
pre/post/dev releases, local versions and implicit zero padding.
"""

from __future__ import annotations

from typing import Any

from packaging.version import InvalidVersion, Version

from seawall.scan.versions.interface import KeyedScheme


class Pep440Scheme(KeyedScheme):
    """Python package versions; the key is a ``packaging`` Version.

    Versions that are not PEP 440 (pre-2014 "legacy" versions) are invalid:
    pip no longer installs them either.
    """

    name = "PEP 440"

    def _key(self, version: str) -> Any:
        try:
            return Version(version)
        except InvalidVersion as exc:
            raise ValueError("not a PEP 440 version") from exc
