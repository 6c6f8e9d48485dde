"""Stream one layer and capture only the files catalogers need.

A layer is read once, front to back, as a tar stream; nothing is unpacked
to disk. Each regular file is offered to a ``want`` function; wanted files
are kept in memory when small and in an unnamed temporary file inside the
scan's private directory when large. Whiteouts, opaque directories and
symlinks are recorded; unsafe entries are skipped with a reason.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import zstandard

from seawall.scan.image.decompress import LayerTooLarge, open_decompressed
from seawall.scan.image.limits import ScanLimits
from seawall.scan.image.paths import normalize, symlink_escapes, whiteout_target
from seawall.scan.inventory import Skipped

ELF_MAGIC = b"\x7fELF"

# What a cataloger wants of a file: nothing, the file, or the file if ELF.
WANT_NONE = 0
WANT_FILE = 1
WANT_ELF = 2

Want = Callable[[str, int, int], int]


@dataclass(slots=True)
class LayerFile:
    """A captured file: bytes in memory or an unnamed temporary file."""

    path: str
    size: int
    mode: int
    data: bytes | None = None
    spool: BinaryIO | None = None

    def read(self) -> bytes:
        """The whole content (only call for files known to be small)."""
        if self.data is not None:
            return self.data
        assert self.spool is not None
        self.spool.seek(0)
        return self.spool.read()

    def open(self) -> BinaryIO:
        """A seekable stream over the content, positioned at 0."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.spool is not None
        self.spool.seek(0)
        return self.spool


@dataclass(slots=True)
class LayerContents:
    """What one layer holds that matters to the scanner."""

    digest: str
    files: dict[str, LayerFile] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)
    whiteouts: set[str] = field(default_factory=set)
    opaque_dirs: set[str] = field(default_factory=set)
    skipped: list[Skipped] = field(default_factory=list)
    spooled_bytes: int = 0

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append(Skipped(self.digest, path, reason))

    def close(self) -> None:
        """Release spooled files."""
        for item in self.files.values():
            if item.spool is not None and not item.spool.closed:
                item.spool.close()


def read_layer(
    raw: BinaryIO, digest: str, want: Want, limits: ScanLimits, tmpdir: Path
) -> LayerContents:
    """Read the layer blob ``raw`` (any compression) and capture wanted files.

    Never raises for bad layer content: a corrupt or oversized layer stops
    the read and is reported in ``skipped``; what was read so far is kept.
    """
    contents = LayerContents(digest)
    stream = open_decompressed(raw, limits.max_layer_bytes)
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            _walk(tar, contents, want, limits, tmpdir)
    except LayerTooLarge as exc:
        contents.skip("/", f"decompression bomb: {exc}")
    except (
        tarfile.TarError,
        EOFError,
        OSError,
        zlib.error,
        zstandard.ZstdError,
    ) as exc:
        contents.skip("/", f"corrupt layer: {exc}")
    return contents


def _walk(
    tar: tarfile.TarFile,
    contents: LayerContents,
    want: Want,
    limits: ScanLimits,
    tmpdir: Path,
) -> None:
    for count, member in enumerate(tar, start=1):
        if count > limits.max_entries:
            contents.skip("/", f"layer has more than {limits.max_entries} entries")
            return
        _entry(tar, member, contents, want=want, limits=limits, tmpdir=tmpdir)


def _entry(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    contents: LayerContents,
    *,
    want: Want,
    limits: ScanLimits,
    tmpdir: Path,
) -> None:
    path = normalize(member.name)
    if path is None:
        contents.skip(member.name, "path traversal: name climbs above the root")
        return
    wh = whiteout_target(path)
    if wh is not None:
        (contents.opaque_dirs if wh[1] else contents.whiteouts).add(wh[0])
        return
    if member.isreg():
        _regular(
            tar,
            member,
            path,
            contents=contents,
            want=want,
            limits=limits,
            tmpdir=tmpdir,
        )
    elif member.issym():
        _symlink(member, path, contents)
    elif member.islnk():
        _hardlink(member, path, contents, want)
    elif member.ischr() or member.isblk() or member.isfifo():
        contents.skip(path, "device file or fifo: not read")


def _symlink(member: tarfile.TarInfo, path: str, contents: LayerContents) -> None:
    if symlink_escapes(path, member.linkname):
        contents.skip(path, f"symlink escapes the image root: {member.linkname}")
        return
    contents.symlinks[path] = member.linkname


def _hardlink(
    member: tarfile.TarInfo, path: str, contents: LayerContents, want: Want
) -> None:
    target = normalize(member.linkname)
    if target is None:
        contents.skip(path, f"hard link points outside the layer: {member.linkname}")
        return
    captured = contents.files.get(target)
    if captured is not None:
        contents.files[path] = LayerFile(
            path, captured.size, captured.mode, captured.data, captured.spool
        )
    elif want(path, member.mode, member.size) != WANT_NONE:
        contents.skip(path, f"hard link to a file not read: {target}")


def _regular(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    path: str,
    *,
    contents: LayerContents,
    want: Want,
    limits: ScanLimits,
    tmpdir: Path,
) -> None:
    wanted = want(path, member.mode, member.size)
    if wanted == WANT_NONE:
        return
    if member.size > limits.max_file_bytes:
        contents.skip(path, f"file of {member.size} bytes is over the size limit")
        return
    handle = tar.extractfile(member)
    if handle is None:
        return
    head = handle.read(4)
    if wanted == WANT_ELF and head != ELF_MAGIC:
        return
    if member.size <= limits.max_memory_file_bytes:
        data = head + handle.read(member.size - len(head))
        contents.files[path] = LayerFile(path, member.size, member.mode, data=data)
        return
    if contents.spooled_bytes + member.size > limits.max_spool_bytes:
        contents.skip(path, "temporary disk budget for the layer is used up")
        return
    spool = tempfile.TemporaryFile(dir=tmpdir)  # noqa: SIM115 - closed by close()
    spool.write(head)
    shutil.copyfileobj(handle, spool, 1024 * 1024)
    contents.spooled_bytes += member.size
    contents.files[path] = LayerFile(path, member.size, member.mode, spool=spool)
