"""Seawall's ``sbom`` against Syft on the same local OCI layouts.

Builds images from real content (this host's Debian 12 files, PyPI wheels,
npm packages, Debian Go binaries and jars, rpm databases), then runs
``seawall sbom oci-dir:... -o json --no-cache`` and ``syft scan oci-dir:...
-o syft-json`` side by side, alternating, several times each, and compares
the package sets by (type, normalized name, version).

    .venv/bin/python -m bench.sbom_vs_syft [--runs 3] [--out bench/out/sbom]

Writes a JSON report and prints a Markdown summary for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from packaging.utils import canonicalize_name
from tests.unit.scan import realcontent
from tests.unit.scan.conftest import SYFT_BINARY, app_layer
from tests.unit.scan.ocibuild import Layer, build_layout

REPO = Path(__file__).resolve().parents[1]
SEAWALL = REPO / ".venv" / "bin" / "seawall"
# Types both tools catalog; Syft's "binary" classifier has no Seawall peer.
SHARED = {
    "deb",
    "rpm",
    "apk",
    "python",
    "npm",
    "go-module",
    "java-archive",
    "gem",
    "php-composer",
    "dotnet",
    "rust-crate",
}


def build_images(out: Path) -> dict[str, Path]:
    """The benchmark images as OCI layouts under ``out``."""
    images: dict[str, Path] = {}
    base = realcontent.debian_base_layer()
    images["debian-apps"] = build_layout(
        out / "debian-apps",
        [base, realcontent.python_layer(), realcontent.npm_layer(), app_layer()],
    )
    usr = Layer()
    usr.host_tree(Path("/usr/bin"), "/usr/bin")
    usr.host_tree(Path("/usr/share/java"), "/usr/share/java")
    usr.host_tree(
        Path("/usr/lib/python3/dist-packages"), "/usr/lib/python3/dist-packages"
    )
    usr.host_tree(Path("/usr/lib/node_modules"), "/usr/lib/node_modules")
    images["debian-usr"] = build_layout(out / "debian-usr", [base, usr])
    rpms = realcontent.rpm_databases()
    rhel = Layer().file("/etc/os-release", b'ID="rhel"\nVERSION_ID="9.3"\n')
    rhel.host_file(rpms / "sqlite" / "rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite")
    images["rpm-sqlite"] = build_layout(out / "rpm-sqlite", [rhel])
    scratch = Layer().host_file(SYFT_BINARY, "/syft")
    images["go-scratch"] = build_layout(out / "go-scratch", [scratch])
    return images


def _measure(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB, VmHWM sampled) of one command.

    getrusage/wait4 would report the parent's peak for a forked child, so the
    child's own high-water mark is sampled from /proc while it runs.
    """
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _hwm_kib(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{args[0]} failed with {process.returncode}")
    return elapsed, peak // 1024


def _hwm_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_seawall(layout: Path, out: Path) -> tuple[float, int]:
    return _measure(
        [
            str(SEAWALL),
            "sbom",
            f"oci-dir:{layout}",
            "-o",
            "json",
            "--no-cache",
            "-q",
            "--file",
            str(out),
        ]
    )


def run_syft(layout: Path, out: Path) -> tuple[float, int]:
    env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
    return _measure(
        [str(SYFT_BINARY), "scan", f"oci-dir:{layout}", "-o", f"syft-json={out}", "-q"],
        env,
    )


def _norm(kind: str, name: str) -> str:
    if kind == "python":
        return canonicalize_name(name)
    if kind == "java-archive":
        return name.rsplit(":", 1)[-1]
    return name


def seawall_set(path: Path) -> set[tuple[str, str, str]]:
    doc = json.loads(path.read_text())
    return {
        (p["type"], _norm(p["type"], p["name"]), p["version"]) for p in doc["packages"]
    }


def seawall_attributed(path: Path) -> set[tuple[str, str, str]]:
    """Language packages Seawall folded into the OS package that installed them."""
    from packageurl import PackageURL

    kinds = {"pypi": "python", "npm": "npm", "maven": "java-archive", "gem": "gem"}
    out = set()
    for package in json.loads(path.read_text())["packages"]:
        for purl in package.get("metadata", {}).get("languagePackages", []):
            parsed = PackageURL.from_string(purl)
            kind = kinds.get(parsed.type, parsed.type)
            name = parsed.name
            if kind == "npm" and parsed.namespace:
                name = f"{parsed.namespace}/{name}"
            out.add((kind, _norm(kind, name), parsed.version or ""))
    return out


def syft_set(path: Path) -> set[tuple[str, str, str]]:
    doc = json.loads(path.read_text())
    return {
        (a["type"], _norm(a["type"], a["name"]), a["version"])
        for a in doc["artifacts"]
        if a["type"] in SHARED
    }


def compare(name: str, layout: Path, out: Path, runs: int) -> dict[str, object]:
    seawall_times, syft_times, seawall_rss, syft_rss = [], [], [], []
    ours, theirs = out / f"{name}.seawall.json", out / f"{name}.syft.json"
    for _ in range(runs):
        seconds, rss = run_syft(layout, theirs)
        syft_times.append(seconds)
        syft_rss.append(rss)
        seconds, rss = run_seawall(layout, ours)
        seawall_times.append(seconds)
        seawall_rss.append(rss)
    mine, peer = seawall_set(ours), syft_set(theirs)
    attributed = seawall_attributed(ours)
    missing = peer - mine
    explained = {m for m in missing if m in attributed}
    # Syft lists archives it could not version; Seawall does not report those.
    versionless = {m for m in missing if m[2] in ("", "UNKNOWN")}
    found = len(peer & mine) + len(explained)
    return {
        "image": name,
        "syft_packages": len(peer),
        "seawall_packages": len(mine),
        "common": len(peer & mine),
        "attributed_to_os_package": len(explained),
        "syft_versionless": len(versionless),
        "coverage": found / len(peer - versionless) if peer else 1.0,
        "coverage_raw": len(peer & mine) / len(peer) if peer else 1.0,
        "missing": sorted(missing - explained - versionless),
        "extra": sorted(mine - peer),
        "by_type": _by_type(peer, mine, attributed),
        "seawall_seconds": statistics.median(seawall_times),
        "syft_seconds": statistics.median(syft_times),
        "time_ratio": statistics.median(seawall_times) / statistics.median(syft_times),
        "seawall_peak_mib": max(seawall_rss),
        "syft_peak_mib": max(syft_rss),
    }


def _by_type(
    peer: set[tuple[str, str, str]],
    mine: set[tuple[str, str, str]],
    attributed: set[tuple[str, str, str]],
) -> dict[str, list[int]]:
    """type -> [syft, seawall, common, attributed]."""
    out: dict[str, list[int]] = {}
    for kind in sorted({p[0] for p in peer | mine}):
        p = {x for x in peer if x[0] == kind}
        m = {x for x in mine if x[0] == kind}
        out[kind] = [len(p), len(m), len(p & m), len((p - m) & attributed)]
    return out


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| image | syft pkgs | seawall pkgs | coverage of syft (raw) | "
        "seawall s | syft s | time ratio | seawall MiB | syft MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['image']} | {r['syft_packages']} | {r['seawall_packages']} | "
            f"{r['coverage']:.1%} ({r['coverage_raw']:.1%}) | "
            f"{r['seawall_seconds']:.2f} | {r['syft_seconds']:.2f} | "
            f"{r['time_ratio']:.2f} | {r['seawall_peak_mib']} | {r['syft_peak_mib']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "sbom")
    parser.add_argument("--only", default="")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.build_only:
        build_images(args.out / "images")
        return
    # Build in a child: a forked child inherits the parent's peak memory as
    # its own, so the measuring process must stay small.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.sbom_vs_syft",
            "--build-only",
            "--out",
            str(args.out),
        ],
        check=True,
    )
    images = {p.name: p for p in sorted((args.out / "images").iterdir())}
    results = []
    for name, layout in images.items():
        if args.only and name not in args.only.split(","):
            continue
        result = compare(name, layout, args.out, args.runs)
        results.append(result)
        print(
            name,
            json.dumps(
                {k: v for k, v in result.items() if k not in ("missing", "extra")}
            ),
            file=sys.stderr,
        )
        print(
            "  missing:",
            Counter(m[0] for m in result["missing"]),  # type: ignore[union-attr]
            "extra:",
            Counter(m[0] for m in result["extra"]),
            file=sys.stderr,
        )  # type: ignore[union-attr]
    (args.out / "report.json").write_text(json.dumps(results, indent=2))
    print(markdown(results))


if __name__ == "__main__":
    main()
