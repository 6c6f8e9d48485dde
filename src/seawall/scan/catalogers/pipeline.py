"""From a resolved image to an :class:`Inventory`.

Each layer is read once (or taken from the per-layer cache); its entries
are squashed in layer order, whiteouts and opaque directories removing what
lower layers contributed; :func:`assemble` finishes the package list.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from seawall.logging import get_logger
from seawall.scan.catalogers.assemble import assemble
from seawall.scan.catalogers.cache import LayerCache, LayerResult, NoCache, cache_key
from seawall.scan.catalogers.interface import Cataloger, Entry, LayerView
from seawall.scan.image.interface import ImageSource, LayerRef, ResolvedImage
from seawall.scan.image.layer import WANT_FILE, WANT_NONE, read_layer
from seawall.scan.image.limits import ScanLimits
from seawall.scan.image.paths import is_under
from seawall.scan.inventory import Inventory, Skipped

log = get_logger(__name__)


class Progress(Protocol):
    """Told about each layer and each chunk read, for a progress bar."""

    def start_layer(self, index: int, layer: LayerRef) -> None: ...

    def advance(self, nbytes: int) -> None: ...


class _Silent:
    def start_layer(self, index: int, layer: LayerRef) -> None:
        return None

    def advance(self, nbytes: int) -> None:
        return None


def catalog_image(
    source: ImageSource,
    name: str,
    image: ResolvedImage,
    catalogers: list[Cataloger],
    limits: ScanLimits,
    *,
    cache: LayerCache | None = None,
    progress: Progress | None = None,
) -> Inventory:
    """The inventory of ``image``.

    Bad layer content is reported in ``skipped``, never raised. Errors of the
    source itself propagate: BlobUnknown, Unavailable, and IntegrityError for
    a blob whose digest does not match (its results are then discarded).
    """
    cache = cache or NoCache()
    progress = progress or _Silent()
    with tempfile.TemporaryDirectory(prefix="seawall-scan-") as tmp:
        results = [
            _layer_result(
                source,
                index,
                layer,
                catalogers,
                limits,
                cache=cache,
                progress=progress,
                tmpdir=Path(tmp),
            )
            for index, layer in enumerate(image.layers)
        ]
    distro, packages = assemble(squash(results))
    log.info(
        "image cataloged",
        image=name,
        digest=image.manifest_digest,
        platform=image.platform,
        packages=len(packages),
    )
    return Inventory(
        image=name,
        manifest_digest=image.manifest_digest,
        platform=image.platform,
        distro=distro,
        packages=packages,
        layers=tuple(layer.diff_id for layer in image.layers),
        skipped=tuple(s for r in results for s in r.skipped),
    )


def _layer_result(
    source: ImageSource,
    index: int,
    layer: LayerRef,
    catalogers: list[Cataloger],
    limits: ScanLimits,
    *,
    cache: LayerCache,
    progress: Progress,
    tmpdir: Path,
) -> LayerResult:
    """One layer's result, from the cache or by reading the layer."""
    progress.start_layer(index, layer)
    key = cache_key(layer.diff_id, catalogers)
    result = cache.get(key)
    if result is not None:
        progress.advance(layer.size)
        return result
    result = _read(source, layer, catalogers, limits, tmpdir=tmpdir, progress=progress)
    cache.put(key, result)
    return result


def squash(results: list[LayerResult]) -> list[Entry]:
    """Entries visible in the final filesystem, lower layers first."""
    visible: dict[str, Entry] = {}
    for result in results:
        deleted = result.opaque_dirs + result.whiteouts
        if deleted:
            visible = {
                p: e
                for p, e in visible.items()
                if not any(is_under(p, d) for d in deleted)
            }
        for path in result.shadowed:
            visible.pop(path, None)
        for entry in result.entries:
            visible[entry.path] = entry
    return list(visible.values())


def _read(
    source: ImageSource,
    layer: LayerRef,
    catalogers: list[Cataloger],
    limits: ScanLimits,
    *,
    tmpdir: Path,
    progress: Progress,
) -> LayerResult:
    def want(path: str, mode: int, size: int) -> int:
        best = WANT_NONE
        for cataloger in catalogers:
            wanted = cataloger.want(path, mode, size)
            if wanted == WANT_FILE:
                return WANT_FILE
            best = best or wanted
        return best

    with source.open_blob(layer.digest, layer.size) as raw:
        counted: BinaryIO = _Counting(raw, progress)  # type: ignore[assignment]
        contents = read_layer(counted, layer.diff_id, want, limits, tmpdir)
        try:
            view = LayerView(contents, limits, tmpdir)
            entries = [e for c in catalogers for e in _run(c, view)]
            _drain(counted)
        finally:
            contents.close()
    produced = {entry.path for entry in entries}
    return LayerResult(
        tuple(entries),
        tuple(sorted(contents.whiteouts)),
        tuple(sorted(contents.opaque_dirs)),
        tuple(contents.skipped),
        tuple(sorted(p for p in contents.files if p not in produced)),
    )


def _run(cataloger: Cataloger, view: LayerView) -> list[Entry]:
    try:
        return cataloger.catalog(view)
    except Exception as exc:  # a cataloger bug must not lose the other results
        log.warning("cataloger failed", cataloger=cataloger.name, error=str(exc))
        view.contents.skipped.append(
            Skipped(view.digest, "/", f"cataloger {cataloger.name} failed: {exc}")
        )
        return []


def _drain(stream: BinaryIO) -> None:
    """Read to the end so a remote blob's digest is verified."""
    while stream.read(1024 * 1024):
        pass


class _Counting:
    """Passes reads through and reports their sizes."""

    def __init__(self, inner: BinaryIO, progress: Progress) -> None:
        self._inner = inner
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self._progress.advance(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
