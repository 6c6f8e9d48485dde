"""``seawall sbom`` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from seawall.cli.main import cli
from tests.unit.scan.ocibuild import Layer, build_docker_archive, build_layout

STATUS = Path("/var/lib/dpkg/status")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sbom", *args, "--no-cache", "-q"])
    return result.exit_code, result.output


def test_sbom_json_from_an_oci_layout(tmp_path: Path) -> None:
    root = build_layout(tmp_path / "img", [Layer().host_file(STATUS)], tag="v2")
    code, out = _run(f"oci-dir:{root}:v2", "-o", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["image"] == f"oci-dir:{root}:v2"
    assert len(doc["packages"]) == STATUS.read_text().count(
        "Status: install ok installed"
    )


def test_sbom_cyclonedx_to_a_file(tmp_path: Path) -> None:
    archive = build_docker_archive(tmp_path / "img.tar", [Layer().host_file(STATUS)])
    out_file = tmp_path / "bom.json"
    code, out = _run(
        f"docker-archive:{archive}", "-o", "cyclonedx", "--file", str(out_file)
    )
    assert code == 0, out
    assert json.loads(out_file.read_text())["bomFormat"] == "CycloneDX"


def test_sbom_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    code, out = _run(f"oci-dir:{tmp_path / 'missing'}")
    assert code == 1
    assert "invalid image" in out
    assert "Traceback" not in out
    code, out = _run("nonsense")
    assert (code, "unsupported image" in out) == (1, True)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "oci-layout").write_text("{}")
    (tmp_path / "bad" / "index.json").write_text("not json")
    code, out = _run(f"oci-dir:{tmp_path / 'bad'}")
    assert code == 1
    assert "Traceback" not in out


def test_sbom_every_platform_of_an_index(tmp_path: Path) -> None:
    from tests.unit.scan.test_image_sources import _multi_platform

    root = _multi_platform(tmp_path)
    code, out = _run(f"oci-dir:{root}:latest", "-o", "json", "--platform", "all")
    assert code == 0, out
    assert [doc["platform"] for doc in json.loads(out)] == [
        "linux/amd64",
        "linux/arm64",
    ]
    code, out = _run(f"oci-dir:{root}:latest", "-o", "spdx", "--platform", "all")
    assert code == 1
    assert "--platform" in out
