"""``seawall db``: import, status, export, update against a local server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from seawall.cli.main import cli
from tests.unit.scan.advisories.vulndata import require_vulndata


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["db", *args])
    return result.exit_code, result.output


def test_import_status_export(tmp_path: Path) -> None:
    root = require_vulndata()
    db = str(tmp_path / "adv.db")
    code, out = invoke("import", str(root / "native/rubysec"), "--db", db, "-q")
    assert code == 0, out
    assert "rubysec: 1381 records, 1381 added" in out
    code, out = invoke("import", str(root / "native/rubysec"), "--db", db, "-q")
    assert "0 added, 0 updated, 0 removed" in out
    assert "0 packages changed" in out
    code, out = invoke("status", "--db", db, "--json")
    doc = json.loads(out)
    assert doc["schemaVersion"] == 1
    assert doc["feeds"][0]["name"] == "rubysec"
    assert doc["feeds"][0]["ageSeconds"] >= 0
    code, out = invoke("status", "--db", db)
    assert code == 0
    assert "rubysec" in out
    code, out = invoke("export", str(tmp_path / "copy.db"), "--db", db)
    assert code == 0
    assert (tmp_path / "copy.db").stat().st_size > 0
    code, out = invoke("export", str(tmp_path / "copy.db"), "--db", db)
    assert code == 1
    assert "already exists" in out


def test_import_of_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "GHSA-bad.json"
    bad.write_text('{"id": "GHSA-x", "affected": [')
    code, out = invoke(
        "import", str(bad), "--db", str(tmp_path / "a.db"), "--format", "osv"
    )
    assert code == 1
    assert "invalid JSON in GHSA-bad.json" in out
    assert "Traceback" not in out


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    root = require_vulndata()
    site = tmp_path / "site"
    site.mkdir()
    (site / "kev.json").write_bytes(
        (root / "kev/known_exploited_vulnerabilities.json").read_bytes()
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_update_from_configured_feeds(served: str, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(
        f'[[feeds]]\nname = "kev"\nurl = "{served}/kev.json"\nformat = "kev"\n'
    )
    db = str(tmp_path / "adv.db")
    args = [
        "update",
        "--feeds-file",
        str(feeds),
        "--db",
        db,
        "--cache-dir",
        str(tmp_path / "cache"),
        "-q",
    ]
    code, out = invoke(*args)
    assert code == 0, out
    assert "kev: 1404 records" in out
    code, out = invoke(*args)
    assert "kev: not modified" in out  # Last-Modified sent back, 304
    code, out = invoke(
        "update", "--feeds-file", str(feeds), "--feed", "nope", "--db", db
    )
    assert code == 2
    assert "unknown feed" in out
