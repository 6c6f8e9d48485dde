"""Feed downloads against a local HTTP server: resume, 304, verification."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from seawall.errors import IntegrityError, Unavailable
from seawall.scan.advisories.feeds import Downloader, FeedSource, load_feed_file
from tests.unit.scan.advisories.vulndata import require_vulndata


def osv_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(
            (require_vulndata() / "osv/crates.io").glob("RUSTSEC-2021-*.json")
        ):
            archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue()


class Server:
    """Serves ``files`` with ETag, If-None-Match and single Range support."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                server.requests.append(dict(self.headers))
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                start = 0
                ranged = self.headers.get("Range")
                if ranged:
                    start = int(ranged.removeprefix("bytes=").split("-")[0])
                    self.send_response(206)
                    self.send_header(
                        "Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}"
                    )
                else:
                    self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                self.wfile.write(body[start:])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def test_download_then_not_modified(
    server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    body = osv_zip()
    server.files["/crates/all.zip"] = body
    feed = FeedSource("osv-crates", f"{server.url}/crates/all.zip", "osv")
    downloader = Downloader(client, tmp_path)
    first = downloader.fetch(feed)
    assert first.changed
    assert first.path.read_bytes() == body
    second = downloader.fetch(feed)
    assert not second.changed
    assert second.path == first.path
    assert server.requests[-1].get("If-None-Match")


def test_interrupted_download_resumes_with_range(
    server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    body = osv_zip()
    server.files["/all.zip"] = body
    feed = FeedSource(
        "osv-crates",
        f"{server.url}/all.zip",
        "osv",
        sha256=hashlib.sha256(body).hexdigest(),
    )
    part = tmp_path / "osv-crates--all.zip.part"
    part.write_bytes(body[:1000])
    seen: list[int] = []
    done = Downloader(client, tmp_path).fetch(feed, lambda n, total: seen.append(n))
    assert done.path.read_bytes() == body
    assert server.requests[-1]["Range"] == "bytes=1000-"
    assert seen[0] > 1000
    assert not part.exists()


def test_digest_mismatch_is_rejected_and_nothing_replaced(
    server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    server.files["/all.zip"] = osv_zip()
    feed = FeedSource("osv-crates", f"{server.url}/all.zip", "osv", sha256="0" * 64)
    with pytest.raises(IntegrityError, match=r"^failed to verify feed osv-crates"):
        Downloader(client, tmp_path).fetch(feed)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_archive_is_rejected(
    server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    body = bytearray(osv_zip())
    body[200] ^= 0xFF  # inside the first member's compressed data
    server.files["/all.zip"] = bytes(body)
    feed = FeedSource("osv-crates", f"{server.url}/all.zip", "osv")
    with pytest.raises(IntegrityError):
        Downloader(client, tmp_path).fetch(feed)
    assert not (tmp_path / "osv-crates--all.zip").exists()


def test_http_errors_are_unavailable(
    server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    feed = FeedSource("missing", f"{server.url}/nope.json", "kev")
    with pytest.raises(Unavailable, match="HTTP 404"):
        Downloader(client, tmp_path).fetch(feed)


def test_feed_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[feeds]]\nname = "kev"\nurl = "http://x/kev.json"\nformat = "kev"\n'
    )
    assert load_feed_file(path) == (FeedSource("kev", "http://x/kev.json", "kev"),)
    path.write_text('[[feeds]]\nname = "kev"\nlink = "http://x"\n')
    with pytest.raises(Exception, match="invalid feed #1"):
        load_feed_file(path)
