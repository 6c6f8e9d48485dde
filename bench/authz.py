"""What access control costs: manifest GET with authorization on versus off.

Two ``seawall serve`` processes on loopback differ only in
``SEAWALL_AUTH_ENABLED``. The server with access control is measured twice:
with HTTP Basic access-key credentials on every request (what ECR-style
clients send) and with a Docker bearer token (what docker, skopeo and podman
send after the token flow), both for a read-only principal. The same ``wrk``
client runs all three in one run with 32 keep-alive clients, alternating the
order each round; each figure is the median of ``--repeats`` rounds. The
target: access control costs less than 15% of throughput.

Run ``python -m bench.authz`` from the repository root; the result replaces
the "Access control" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import (
    cpu_seconds,
    free_port,
    markdown_table,
    median,
    running,
    scratch_dir,
    write_section,
)

ADMIN = ("AKIABENCHADMINKEY000", "bench-admin-secret-0123456789abcdef")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
REPO = "bench/manifest"
TARGET = 0.15


@dataclass(frozen=True)
class Case:
    name: str
    base_url: str
    headers: dict[str, str]
    pid: int


@contextlib.contextmanager
def seawall(workdir: Path, auth: bool) -> Iterator[tuple[str, int]]:
    """A fresh ``seawall serve`` with access control on or off."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAWALL_")}
    env |= {
        "SEAWALL_DATA_DIR": str(workdir / "data"),
        "SEAWALL_LISTEN": f"127.0.0.1:{port}",
        "SEAWALL_AUTH_ENABLED": "true" if auth else "false",
        "SEAWALL_ENCRYPTION": "false",  # isolate the cost of access control
        "SEAWALL_ACCESS_LOG": "false",
        "SEAWALL_ADMIN_ACCESS_KEY_ID": ADMIN[0],
        "SEAWALL_ADMIN_SECRET_ACCESS_KEY": ADMIN[1],
    }
    base = f"http://127.0.0.1:{port}"
    argv = [str(Path(sys.executable).parent / "seawall"), "serve"]
    with running(argv, f"{base}/v2/", workdir / "server.log", env) as proc:
        yield base, proc.pid


def push_manifest(base: str) -> None:
    """A small image (config, one layer, manifest) as the administrator."""
    with httpx.Client(base_url=base, auth=ADMIN, timeout=30) as client:
        descriptors = [_blob(client, data) for data in (b"{}", os.urandom(1024))]
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                **descriptors[0],
                "mediaType": "application/vnd.oci.image.config.v1+json",
            },
            "layers": [
                {
                    **descriptors[1],
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                }
            ],
        }
        response = client.put(
            f"/v2/{REPO}/manifests/latest",
            content=json.dumps(manifest).encode(),
            headers={"Content-Type": OCI_MANIFEST},
        )
        response.raise_for_status()


def _blob(client: httpx.Client, data: bytes) -> dict[str, object]:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    client.post(
        f"/v2/{REPO}/blobs/uploads/", params={"digest": digest}, content=data
    ).raise_for_status()
    return {"digest": digest, "size": len(data)}


def reader_credentials(workdir: Path) -> tuple[str, str]:
    """A read-only principal created with the admin CLI."""
    env = {**os.environ, "SEAWALL_DATA_DIR": str(workdir / "data")}
    seawall_bin = str(Path(sys.executable).parent / "seawall")

    def cli(*args: str) -> str:
        return subprocess.run(
            [seawall_bin, "admin", *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    cli("user", "create", "bench-reader")
    cli(
        "policy",
        "attach",
        "AmazonEC2ContainerRegistryReadOnly",
        "--user",
        "bench-reader",
    )
    created = json.loads(cli("-o", "json", "key", "create", "bench-reader"))
    return created["AccessKeyId"], created["SecretAccessKey"]


def bearer_token(base: str, reader: tuple[str, str]) -> str:
    response = httpx.get(
        f"{base}/auth/token", auth=reader, params={"scope": f"repository:{REPO}:pull"}
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


_WRK_RATE = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.M)
_WRK_COUNT = re.compile(r"^\s*(\d+) requests in", re.M)
_WRK_ERRORS = re.compile(r"^\s*(Non-2xx or 3xx responses|Socket errors):", re.M)


def wrk_rate(
    url: str, method: str, headers: dict[str, str], clients: int, seconds: float
) -> tuple[float, int]:
    """``wrk`` (requests per second, requests); a 10 s timeout for a loaded host.

    Raises RuntimeError on any non-2xx answer or socket error.
    """
    argv = [
        "wrk",
        f"-t{min(clients, 2)}",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
    ]
    argv += [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
    out = subprocess.run(
        [*argv, url], capture_output=True, text=True, check=True
    ).stdout
    match = _WRK_RATE.search(out)
    count = _WRK_COUNT.search(out)
    if _WRK_ERRORS.search(out) or match is None or count is None:
        raise RuntimeError(f"failed to measure {method} {url}:\n{out}")
    return float(match.group(1)), int(count.group(1))


@dataclass
class Samples:
    """Per round: requests per second and server CPU microseconds per request."""

    rate: dict[str, list[float]]
    cpu: dict[str, list[float]]


def measure(cases: list[Case], repeats: int, seconds: float, clients: int) -> Samples:
    """Every case once per round, the order alternating between rounds."""
    samples = Samples({c.name: [] for c in cases}, {c.name: [] for c in cases})
    for round_ in range(repeats):
        order = cases if round_ % 2 == 0 else cases[::-1]
        for case in order:
            url = f"{case.base_url}/v2/{REPO}/manifests/latest"
            headers = {"Accept": OCI_MANIFEST, **case.headers}
            wrk_rate(url, "GET", headers, clients, 1)  # warm up
            before = cpu_seconds(case.pid)
            rate, count = wrk_rate(url, "GET", headers, clients, seconds)
            used = cpu_seconds(case.pid) - before
            samples.rate[case.name].append(rate)
            samples.cpu[case.name].append(used / count * 1e6)
        print(f"  round {round_ + 1}/{repeats} done", flush=True)
    return samples


def _has(tool: str) -> bool:
    import shutil

    return shutil.which(tool) is not None


def decision_cost(data_dir: Path, headers: dict[str, str]) -> dict[str, float]:
    """Microseconds per warm authenticate+authorize, measured in this process.

    The same code the server runs inline, over the server's own database:
    the best of three runs of 20 000 decisions per credential kind.
    """
    import time

    from seawall.auth.credentials import parse_authorization
    from seawall.auth.factory import from_settings
    from seawall.auth.inline import NeedsIO, no_io
    from seawall.auth.service import RequestInfo
    from seawall.settings import Settings
    from seawall.storage.metadata.db import make_engine

    settings = Settings(data_dir=data_dir)
    auth = from_settings(settings, make_engine(settings.effective_database_url))
    info = RequestInfo(source_ip="127.0.0.1")
    actions = ("ecr:BatchGetImage",)
    costs: dict[str, float] = {}

    def decide(header: str) -> None:
        who = auth.access.authenticate_header(header, info)
        auth.access.authorize(who, REPO, actions, info)

    for name, header in headers.items():
        credentials = parse_authorization(header)
        principal = auth.access.authenticate(credentials, info)
        auth.access.authorize(principal, REPO, actions, info)  # warm the caches
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            for _ in range(20_000):
                try:  # as the guard does: inline, or again with I/O allowed
                    with no_io():
                        decide(header)
                except NeedsIO:
                    decide(header)
            best = min(best, (time.perf_counter() - started) / 20_000 * 1e6)
        costs[name] = best
    return costs


def render(
    samples: Samples,
    costs: dict[str, float],
    repeats: int,
    seconds: float,
    clients: int,
) -> str:
    """The docs section: CPU per request (the verdict), throughput, decision cost."""
    off_cpu, off_rate = samples.cpu["auth off"], samples.rate["auth off"]
    rows = []
    for name in samples.rate:
        # Paired within a round, so drifts in the machine's load cancel out.
        cpu_ratio = median(
            [c / o for c, o in zip(samples.cpu[name], off_cpu, strict=True)]
        )
        rate_ratio = median(
            [r / o for r, o in zip(samples.rate[name], off_rate, strict=True)]
        )
        cost = 1 - 1 / cpu_ratio
        first = name == "auth off"
        rows.append(
            [
                name,
                f"{median(samples.cpu[name]):,.0f}",
                f"{cpu_ratio:.2f}x",
                "" if first else f"{cost:.1%}",
                "" if first else ("yes" if cost < TARGET else "**no**"),
                f"{median(samples.rate[name]):,.0f}",
                f"{rate_ratio:.2f}x",
            ]
        )
    table = markdown_table(
        [
            "server",
            "server CPU per request (µs)",
            "CPU vs off",
            "throughput cost (from CPU)",
            "< 15%",
            f"manifest GET, {clients} clients (req/s)",
            "req/s vs off",
        ],
        rows,
    )
    per_request = median(off_cpu)
    cost_table = markdown_table(
        [
            "credential",
            "decision, warm caches (µs/request)",
            "share of an auth-off request's CPU",
        ],
        [[n, f"{v:.1f}", f"{v / per_request:.1%}"] for n, v in costs.items()],
    )
    return (
        "Command: `python -m bench.authz` (wrk, "
        f"{clients} keep-alive clients, {seconds:g} s per measurement, "
        f"{repeats} rounds, order alternated, medians of ratios paired per "
        "round). Peer: the same Seawall with `SEAWALL_AUTH_ENABLED=false`; "
        "both with encryption off and the access log off, one server process "
        "each. The principal is read-only (AmazonEC2ContainerRegistryReadOnly); "
        "every request is authenticated and authorized against its policies.\n\n"
        "A single server process is CPU-bound here, so its throughput is the "
        "inverse of the CPU it spends per request; the verdict uses that CPU "
        "(read from /proc before and after each run), which stays meaningful "
        "when the two cores are shared with the load generator and other "
        "work. Raw requests per second are shown beside it; on a busy "
        "machine they swing by tens of percent between rounds, and on the "
        "shared team machine (load average 10 to 16) whole runs of this "
        "benchmark put the CPU cost anywhere between -20% and +21%: rerun "
        "before relying on one figure. The decision cost below is the "
        "steadiest measure.\n\n" + table + "\n\n"
        "The decision itself, timed in-process on warm caches exactly as the "
        "guard runs it on the event loop (best of three runs of 20 000):\n\n"
        + cost_table
        + "\n\n"
        "Verified credentials (as keyed HMACs, never secrets), verified "
        "tokens, parsed policies and decisions are cached per process and "
        "dropped on any change to users, keys, groups or policies: at once in "
        "the process that made it, within a second elsewhere. Decisions whose "
        "policies read the clock are evaluated on every request.\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the section instead of updating the docs",
    )
    args = parser.parse_args(argv)
    with (
        scratch_dir(None, "authz-off-") as off_dir,
        scratch_dir(None, "authz-on-") as on_dir,
        seawall(off_dir, auth=False) as (off, off_pid),
        seawall(on_dir, auth=True) as (on, on_pid),
    ):
        push_manifest(off)
        push_manifest(on)
        reader = reader_credentials(on_dir)
        basic = base64.b64encode(f"{reader[0]}:{reader[1]}".encode()).decode()
        token = bearer_token(on, reader)
        cases = [
            Case("auth off", off, {}, off_pid),
            Case(
                "auth on, Basic access key",
                on,
                {"Authorization": f"Basic {basic}"},
                on_pid,
            ),
            Case(
                "auth on, bearer token",
                on,
                {"Authorization": f"Bearer {token}"},
                on_pid,
            ),
        ]
        results = measure(cases, args.repeats, args.seconds, args.clients)
        costs = decision_cost(
            on_dir / "data",
            {"Basic access key": f"Basic {basic}", "bearer token": f"Bearer {token}"},
        )
    body = render(results, costs, args.repeats, args.seconds, args.clients)
    if args.no_write:
        print(body)
    else:
        write_section("Access control", body)
        print(body)


if __name__ == "__main__":
    main()
