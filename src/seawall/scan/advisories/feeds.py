"""``seawall db update``: download the configured feeds and import them.

Each :class:`FeedSource` names a URL and the format its file is in. The
default list points at the real public sources. Downloads are:

* **resumable**: bytes go to ``<cache>/<feed>.part``; an interrupted
  download continues with an HTTP ``Range`` request where the server allows;
* **conditional**: the ``ETag`` / ``Last-Modified`` of the last good copy are
  sent back, and a ``304`` skips the import;
* **verified**: the byte count must equal ``Content-Length``, a configured
  SHA-256 must match, and archives must open (zip CRCs, gzip trailers)
  before the file replaces the previous copy.

The HTTP client is injected, so tests run against a local server.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tomllib
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from seawall.errors import IntegrityError, InvalidInput, Unavailable
from seawall.logging import get_logger

log = get_logger(__name__)

_OSV = "https://osv-vulnerabilities.storage.googleapis.com"
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One feed to download: where from, in which format."""

    name: str
    url: str
    format: str
    sha256: str = ""  # expected digest of the file, when the publisher gives one


def _osv(ecosystem: str) -> FeedSource:
    slug = ecosystem.lower().replace(" ", "-").replace(".", "-")
    return FeedSource(f"osv-{slug}", f"{_OSV}/{ecosystem}/all.zip", "osv")


DEFAULT_FEEDS: tuple[FeedSource, ...] = (
    *(
        _osv(e)
        for e in (
            "PyPI",
            "npm",
            "Go",
            "Maven",
            "crates.io",
            "RubyGems",
            "Packagist",
            "NuGet",
            "Ubuntu",
            "AlmaLinux",
            "Alpine",
            "Debian",
        )
    ),
    FeedSource(
        "debian-tracker",
        "https://security-tracker.debian.org/tracker/data/json",
        "debian-tracker",
    ),
    FeedSource("wolfi-secdb", "https://packages.wolfi.dev/os/security.json", "secdb"),
    FeedSource(
        "kev",
        "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
        "kev",
    ),
    FeedSource(
        "epss", "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz", "epss"
    ),
    *(
        FeedSource(f"eol-{p}", f"https://endoflife.date/api/{p}.json", "eol")
        for p in (
            "debian",
            "ubuntu",
            "alpine-linux",
            "almalinux",
            "rocky-linux",
            "rhel",
            "python",
            "nodejs",
            "go",
            "ruby",
            "php",
            "postgresql",
            "django",
            "eclipse-temurin",
            "log4j",
            "spring-framework",
        )
    ),
)


def load_feed_file(path: Path) -> tuple[FeedSource, ...]:
    """Feeds from a TOML file of ``[[feeds]]`` tables (name, url, format,
    optional sha256). Raises InvalidInput naming the bad entry."""
    try:
        doc = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"invalid feed file {path}: {exc}") from exc
    out = []
    for index, item in enumerate(doc.get("feeds") or ()):
        try:
            out.append(FeedSource(**item))
        except TypeError as exc:
            raise InvalidInput(f"invalid feed #{index + 1} in {path}: {exc}") from exc
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Download:
    """The outcome of fetching one feed."""

    feed: FeedSource
    path: Path  # the verified file
    changed: bool  # False when the server said 304 Not Modified
    size: int


Advance = Callable[[int, int | None], None]  # (bytes so far, total or None)


class Downloader:
    """Fetches feed files into a cache directory."""

    def __init__(self, client: httpx.Client, cache_dir: Path) -> None:
        self.client = client
        self.cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)

    def fetch(self, feed: FeedSource, advance: Advance | None = None) -> Download:
        """Download ``feed`` (resuming a partial copy); raises Unavailable on
        network or HTTP errors and IntegrityError when verification fails."""
        final = self.cache_dir / _file_name(feed)
        part = final.with_name(final.name + ".part")
        meta_path = final.with_name(final.name + ".meta.json")
        meta = _read_meta(meta_path) if final.exists() else {}
        headers = _conditional(meta) if not part.exists() else {}
        offset = part.stat().st_size if part.exists() else 0
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            with self.client.stream("GET", feed.url, headers=headers) as response:
                if response.status_code == 304:
                    return Download(feed, final, False, final.stat().st_size)
                total = self._receive(feed, response, part, offset, advance)
                new_meta = {
                    k: response.headers[k]
                    for k in ("etag", "last-modified")
                    if k in response.headers
                }
        except httpx.HTTPError as exc:
            raise Unavailable(f"failed to download feed {feed.name}: {exc}") from exc
        _verify(feed, part, total)
        part.replace(final)
        meta_path.write_text(json.dumps(new_meta))
        log.info("feed downloaded", feed=feed.name, bytes=final.stat().st_size)
        return Download(feed, final, True, final.stat().st_size)

    def _receive(
        self,
        feed: FeedSource,
        response: httpx.Response,
        part: Path,
        offset: int,
        advance: Advance | None,
    ) -> int | None:
        if response.status_code == 416 and offset:
            # The partial copy is already whole (or stale): start again.
            part.unlink()
            raise Unavailable(f"failed to resume feed {feed.name}; retry the update")
        if response.status_code not in (200, 206):
            raise Unavailable(
                f"failed to download feed {feed.name}: HTTP {response.status_code}"
            )
        resumed = response.status_code == 206
        done = offset if resumed else 0
        total = _expected_total(response, done)
        with part.open("ab" if resumed else "wb") as out:
            for chunk in response.iter_bytes(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if advance is not None:
                    advance(done, total)
        return total


def _file_name(feed: FeedSource) -> str:
    tail = feed.url.rsplit("/", 1)[-1].split("?", 1)[0] or "data"
    return f"{feed.name}--{tail}"


def _read_meta(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _conditional(meta: dict[str, str]) -> dict[str, str]:
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last-modified"):
        headers["If-Modified-Since"] = meta["last-modified"]
    return headers


def _expected_total(response: httpx.Response, done: int) -> int | None:
    if "content-encoding" in response.headers:
        return None  # Content-Length counts encoded bytes; iter_bytes decodes
    length = response.headers.get("content-length")
    return done + int(length) if length and length.isdigit() else None


def _verify(feed: FeedSource, path: Path, total: int | None) -> None:
    size = path.stat().st_size
    try:
        if total is not None and size != total:
            raise IntegrityError(
                f"failed to verify feed {feed.name}: got {size} of {total} bytes"
            )
        if feed.sha256:
            _check_digest(feed, path)
        _check_archive(feed, path)
    except IntegrityError:
        path.unlink(missing_ok=True)
        raise


def _check_digest(feed: FeedSource, path: Path) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    if digest.hexdigest() != feed.sha256.lower().removeprefix("sha256:"):
        raise IntegrityError(f"failed to verify feed {feed.name}: SHA-256 mismatch")


def _check_archive(feed: FeedSource, path: Path) -> None:
    with path.open("rb") as fh:
        magic = fh.read(4)
    try:
        if magic.startswith(b"PK"):
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
            if bad is not None:
                raise IntegrityError(
                    f"failed to verify feed {feed.name}: bad member {bad}"
                )
        elif magic.startswith(b"\x1f\x8b"):
            with gzip.open(path) as fh:
                while fh.read(_CHUNK):
                    pass
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise IntegrityError(f"failed to verify feed {feed.name}: {exc}") from exc
