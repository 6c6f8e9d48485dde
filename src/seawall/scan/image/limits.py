"""Bounds on what one scan may read, hold in memory and write to disk."""

from __future__ import annotations

from dataclasses import dataclass

_MIB = 1024 * 1024
_GIB = 1024 * _MIB


# TODO(seawall): read these from Settings (SEAWALL_SCAN_*) once the registry's
# scan jobs exist; the CLI uses the defaults.
@dataclass(frozen=True, slots=True)
class ScanLimits:
    """Limits that keep untrusted layers from exhausting memory or disk.

    A file or layer beyond a limit is skipped and reported in the inventory's
    ``skipped`` list, never read past the bound.
    """

    max_layer_bytes: int = 32 * _GIB  # uncompressed size of one layer
    max_file_bytes: int = 512 * _MIB  # one captured file (binary, jar, db)
    max_memory_file_bytes: int = 2 * _MIB  # larger captured files spool to disk
    max_spool_bytes: int = 4 * _GIB  # disk used by captured files of one layer
    max_entries: int = 2_000_000  # tar entries in one layer
    max_archive_depth: int = 4  # jars inside jars
    max_archive_members: int = 100_000  # entries in one jar/war/ear
    max_manifest_bytes: int = 4 * _MIB  # manifests, indexes and configs
    max_download_bytes: int = 16 * _GIB  # one compressed blob from a registry
