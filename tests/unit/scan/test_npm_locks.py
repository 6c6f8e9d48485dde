"""npm lock files: v1 (made by npm), v3 (made by npm), yarn and pnpm."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from seawall.scan.catalogers.npm import (
    parse_package_lock,
    parse_pnpm_lock,
    parse_yarn_lock,
)
from tests.unit.scan import realcontent

FIXTURES = Path(__file__).parents[2] / "fixtures" / "scan"
EXPECTED = {
    ("lodash", "4.17.15"),
    ("minimist", "1.2.0"),
    ("mkdirp", "0.5.1"),
    ("minimist", "0.0.8"),
}


def test_lockfile_v3_from_npm() -> None:
    doc = json.loads((realcontent.npm_project() / "package-lock.json").read_text())
    assert doc["lockfileVersion"] == 3
    assert {(n, v) for n, v, _ in parse_package_lock(doc)} == EXPECTED


def test_lockfile_v1_from_npm(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(realcontent.npm_project(), project)
    subprocess.run(
        [
            "npm",
            "install",
            "--package-lock-only",
            "--lockfile-version",
            "1",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
        ],
        cwd=project,
        check=True,
        capture_output=True,
        timeout=120,
    )
    doc = json.loads((project / "package-lock.json").read_text())
    assert doc["lockfileVersion"] == 1
    assert {(n, v) for n, v, _ in parse_package_lock(doc)} == EXPECTED


def test_yarn_and_pnpm_locks() -> None:
    yarn = parse_yarn_lock((FIXTURES / "yarn.lock").read_text())
    assert {(n, v) for n, v, _ in yarn} == {
        ("@babel/code-frame", "7.12.13"),
        ("lodash", "4.17.15"),
    }
    import yaml

    pnpm = parse_pnpm_lock(yaml.safe_load((FIXTURES / "pnpm-lock.yaml").read_text()))
    assert {(n, v) for n, v, _ in pnpm} == {
        ("minimist", "1.2.0"),
        ("@types/node", "20.1.0"),
    }
