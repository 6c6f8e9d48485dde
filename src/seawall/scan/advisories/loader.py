"""``seawall db import PATH``: find advisory files under a path and import
them, one feed per format.

A path may be a file, a directory (walked recursively), a ``.zip`` archive
such as osv.dev's ``<ecosystem>/all.zip`` (each member is a file), or a
``.gz`` file. Each file's format is detected from its name and first bytes;
files no importer claims (licences, READMEs) are skipped and counted.
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from seawall.errors import InvalidInput
from seawall.logging import get_logger
from seawall.scan.advisories.importers import BY_FORMAT, detect
from seawall.scan.advisories.model import Record
from seawall.scan.advisories.store import AdvisoryStore, ImportResult

log = get_logger(__name__)

_HEAD = 4096
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file to import: a path on disk, optionally a member inside a zip."""

    path: Path
    name: str  # the record source: relative path, "archive.zip!member"
    member: str = ""

    def read(self) -> bytes:
        """The file's bytes, decompressed when gzip."""
        try:
            if self.member:
                data = _open_zip(self.path).read(self.member)
            else:
                data = self.path.read_bytes()
            if data[:2] == b"\x1f\x8b" and not self.name.endswith(".csv.gz"):
                data = gzip.decompress(data)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise InvalidInput(f"invalid advisory file {self.name}: {exc}") from exc
        return data


@dataclass(slots=True)
class Plan:
    """Files grouped by format, and what was skipped."""

    by_format: dict[str, list[SourceFile]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return sum(len(v) for v in self.by_format.values())


def plan(path: Path, fmt: str | None = None) -> Plan:
    """Find every importable file under ``path``; ``fmt`` forces a format.

    Raises InvalidInput when ``path`` does not exist or ``fmt`` is unknown.
    """
    if not path.exists():
        raise InvalidInput(f"invalid import path {path}: no such file or directory")
    if fmt is not None and fmt not in BY_FORMAT:
        raise InvalidInput(f"unsupported advisory format {fmt!r}")
    result = Plan()
    root = path if path.is_dir() else path.parent
    for source in _walk(path, root):
        chosen = fmt or _sniff(source)
        if chosen is None:
            result.skipped.append(source.name)
        else:
            result.by_format.setdefault(chosen, []).append(source)
    return result


def _walk(path: Path, root: Path) -> Iterator[SourceFile]:
    files = (
        sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    )
    for file in files:
        name = file.relative_to(root).as_posix()
        if file.suffix.lower() == ".zip":
            yield from _members(file, name)
        else:
            yield SourceFile(file, name)


@lru_cache(maxsize=4)
def _open_zip(path: Path) -> zipfile.ZipFile:
    # Kept open while its members are read: reopening re-reads the directory.
    return zipfile.ZipFile(path)


def _members(file: Path, name: str) -> Iterator[SourceFile]:
    try:
        with zipfile.ZipFile(file) as archive:
            members = [i.filename for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"invalid zip archive {name}: {exc}") from exc
    for member in sorted(members):
        yield SourceFile(file, f"{name}!{member}", member)


def _sniff(source: SourceFile) -> str | None:
    if source.member:
        head = source.read()[:_HEAD]
    else:
        with source.path.open("rb") as fh:
            head = fh.read(_HEAD)
        if head[:2] == b"\x1f\x8b" and not source.name.endswith(".csv.gz"):
            head = source.read()[:_HEAD]
    importer = detect(source.name.rsplit("!", 1)[-1], head)
    return importer.format if importer else None


def records(
    fmt: str, files: list[SourceFile], progress: Progress | None
) -> Iterator[Record]:
    """Every record of ``files`` read with the ``fmt`` importer."""
    importer = BY_FORMAT[fmt]
    for source in files:
        if progress is not None:
            progress(source.name)
        yield from importer.parse(source.name, source.read())


def import_path(
    store: AdvisoryStore,
    path: Path,
    *,
    feed: str | None = None,
    fmt: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Import everything under ``path``; one :class:`ImportResult` per feed.

    Each format's files go to the feed named after the format, or ``feed``
    when given (with a ``:format`` suffix if several formats were found).
    Raises InvalidInput naming the first unreadable file; that feed's
    transaction is rolled back, feeds imported before it are kept.
    """
    found = plan(path, fmt)
    results = []
    for name, files in sorted(found.by_format.items()):
        feed_name = _feed_name(feed, name, len(found.by_format))
        results.append(
            store.import_records(
                feed_name,
                name,
                records(name, files, progress),
                source=str(path),
                replace=replace,
            )
        )
    log.info(
        "advisory import done",
        path=str(path),
        files=found.files,
        skipped=len(found.skipped),
    )
    return results


def _feed_name(feed: str | None, fmt: str, formats: int) -> str:
    if feed is None:
        return fmt
    return feed if formats == 1 else f"{feed}:{fmt}"
