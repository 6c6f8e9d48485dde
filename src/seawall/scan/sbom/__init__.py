"""SBOM and inventory renderings: table, native JSON, CycloneDX 1.6, SPDX 2.3.

One module per format; :func:`render` chooses by name.
"""

from __future__ import annotations

import importlib

from seawall.errors import Unsupported
from seawall.scan.inventory import Inventory

FORMATS = ("table", "json", "cyclonedx", "spdx")


def render(inventories: list[Inventory], fmt: str) -> str:
    """The text of ``inventories`` in format ``fmt``.

    CycloneDX and SPDX describe one image: more than one inventory raises
    Unsupported. Raises Unsupported for an unknown format.
    """
    if fmt not in FORMATS:
        raise Unsupported(f"unsupported output format {fmt!r}: {', '.join(FORMATS)}")
    module = importlib.import_module(f"seawall.scan.sbom.{fmt}")
    if fmt in ("cyclonedx", "spdx"):
        if len(inventories) != 1:
            raise Unsupported(
                f"unsupported: {fmt} describes one platform; use --platform"
            )
        return str(module.render(inventories[0]))
    return str(module.render(inventories))
