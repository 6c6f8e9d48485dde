"""Seawall's native inventory JSON (``schemaVersion`` inside)."""

from __future__ import annotations

import json as _json

from seawall.scan.inventory import Inventory


def render(inventories: list[Inventory]) -> str:
    """One inventory object, or a list when several platforms were scanned."""
    docs = [inv.to_json() for inv in inventories]
    return _json.dumps(docs[0] if len(docs) == 1 else docs, indent=2)
