"""Seawall against CNCF distribution on loopback, side by side in one run.

Measures, for each registry, with the same client:

- push of a 1 GiB blob monolithically (POST, then one PUT with the body) and
  in 16 MiB chunks (PATCH with Content-Range, then PUT), in MB/s;
- pull of that blob (GET), in MB/s;
- manifest GET and HEAD requests per second with 1 and 32 keep-alive clients
  (``wrk`` when installed, httpx threads otherwise);
- the server's peak RSS (process tree) during each 1 GiB push.

Each figure is the best of ``--repeats`` runs that alternate between the
two servers (the ratio of medians is shown beside it). The payload streams
from a generator and is never in memory. Run ``python -m bench.registry``
from the repository root; the result table replaces the "Registry" section
of docs/benchmarks.md and is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlsplit

from bench.common import (
    MIB,
    REPO_ROOT,
    Payload,
    PeakRss,
    free_port,
    hey_rate,
    load_average,
    markdown_table,
    median,
    running,
    scratch_dir,
    threaded_rate,
    write_section,
    wrk_rate,
)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DISTRIBUTION_BIN = "/usr/bin/docker-registry"
RSS_LIMIT_MIB = 300
COMMAND = ".venv/bin/python -m bench.registry"
_DISTRIBUTION_CONFIG = """\
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
  secret: {secret}
"""


@dataclass(frozen=True)
class Target:
    """A registry under test, running."""

    name: str
    base_url: str
    pid: int
    ca: Path | None = None  # the CA an https:// server's certificate chains to


@contextlib.contextmanager
def distribution(workdir: Path) -> Iterator[Target]:
    """CNCF distribution with filesystem storage in ``workdir``."""
    port = free_port()
    config = workdir / "config.yml"
    config.write_text(
        _DISTRIBUTION_CONFIG.format(
            root=workdir / "storage", port=port, secret=os.urandom(16).hex()
        )
    )
    base = f"http://127.0.0.1:{port}"
    argv = [DISTRIBUTION_BIN, "serve", str(config)]
    with running(argv, f"{base}/v2/", workdir / "server.log") as proc:
        yield Target("distribution", base, proc.pid)


@contextlib.contextmanager
def seawall(workdir: Path) -> Iterator[Target]:
    """``seawall serve`` on the embedded default with a fresh data directory."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAWALL_")}
    env |= {"SEAWALL_DATA_DIR": str(workdir / "data")}
    env |= {"SEAWALL_LISTEN": f"127.0.0.1:{port}"}
    # Like for like with distribution's defaults: no access control, blobs
    # stored as sent. bench/encryption.py measures what sealing costs.
    env |= {"SEAWALL_AUTH_ENABLED": "false", "SEAWALL_ENCRYPTION": "false"}
    # distribution uses every core; so does Seawall, with one process a core.
    env |= {"SEAWALL_WORKERS": str(os.cpu_count() or 1)}
    base = f"http://127.0.0.1:{port}"
    argv = [str(Path(sys.executable).parent / "seawall"), "serve"]
    with running(argv, f"{base}/v2/", workdir / "server.log", env) as proc:
        yield Target("seawall", base, proc.pid)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Client:
    """A minimal /v2/ client over one keep-alive HTTP/1.1 connection.

    Built on http.client: it moves bytes at several GB/s on loopback, where
    httpx tops out below what the registries serve, so it is never the limit.
    """

    def __init__(self, base_url: str, ca: Path | None = None) -> None:
        parts = urlsplit(base_url)
        host = parts.hostname or "127.0.0.1"
        self.conn: http.client.HTTPConnection
        if parts.scheme == "https":
            context = ssl.create_default_context(cafile=ca)
            self.conn = http.client.HTTPSConnection(
                host, parts.port, timeout=600, context=context
            )
        else:
            self.conn = http.client.HTTPConnection(host, parts.port, timeout=600)

    def close(self) -> None:
        self.conn.close()

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: Iterable[bytes] = (),
    ) -> http.client.HTTPResponse:
        """Send a request, streaming ``body`` piece by piece; the open response."""
        self.conn.putrequest(method, _path(target), skip_accept_encoding=True)
        for name, value in (headers or {"Content-Length": "0"}).items():
            self.conn.putheader(name, value)
        self.conn.endheaders()
        for piece in body:
            self.conn.send(piece)
        return self.conn.getresponse()

    def call(
        self,
        method: str,
        target: str,
        expect: int,
        headers: dict[str, str] | None = None,
        body: Iterable[bytes] = (),
    ) -> Reply:
        """A request whose reply is small; RuntimeError unless it is ``expect``."""
        response = self.request(method, target, headers, body)
        reply = Reply(response.status, response.headers, response.read())
        if reply.status != expect:
            raise RuntimeError(
                f"failed: {method} {target} answered {reply.status}, expected "
                f"{expect}: {reply.body[:500]!r}"
            )
        return reply

    def _start_upload(self, repo: str) -> str:
        reply = self.call("POST", f"/v2/{repo}/blobs/uploads/", 202)
        return _location(reply)

    def push_monolithic(self, repo: str, payload: Payload, digest: str) -> None:
        """POST an upload, then PUT the whole body with the digest."""
        location = self._start_upload(repo)
        target = _with_digest(location, digest)
        self.call("PUT", target, 201, _octets(payload.size), payload.pieces())

    def push_chunked(
        self, repo: str, payload: Payload, digest: str, chunk: int
    ) -> None:
        """POST an upload, PATCH ``chunk``-sized ranges, then PUT the digest."""
        location = self._start_upload(repo)
        for start in range(0, payload.size, chunk):
            end = min(start + chunk, payload.size)
            headers = _octets(end - start) | {"Content-Range": f"{start}-{end - 1}"}
            body = payload.pieces(start, end)
            location = _location(self.call("PATCH", location, 202, headers, body))
        self.call("PUT", _with_digest(location, digest), 201)

    def pull(self, repo: str, digest: str) -> int:
        """GET the blob, reading every byte; the number of bytes read."""
        response = self.request("GET", f"/v2/{repo}/blobs/{digest}", {})
        if response.status != 200:
            raise RuntimeError(f"failed: GET blob answered {response.status}")
        buffer = memoryview(bytearray(4 * MIB))
        received = 0
        while count := response.readinto(buffer):
            received += count
        return received

    def push_small_blob(self, repo: str, data: bytes) -> str:
        """Upload ``data`` with POST then PUT; its digest."""
        digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
        location = self._start_upload(repo)
        self.call(
            "PUT", _with_digest(location, digest), 201, _octets(len(data)), [data]
        )
        return digest

    def push_manifest(self, repo: str, tag: str) -> None:
        """Push a small OCI image manifest (one config, one layer) as ``tag``."""
        config = json.dumps(
            {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}
        ).encode()
        layer = os.urandom(2048)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": _descriptor(
                OCI_CONFIG, self.push_small_blob(repo, config), config
            ),
            "layers": [
                _descriptor(OCI_LAYER, self.push_small_blob(repo, layer), layer)
            ],
            "annotations": {"org.opencontainers.image.title": "seawall-bench"},
        }
        body = json.dumps(manifest).encode()
        headers = {"Content-Type": OCI_MANIFEST, "Content-Length": str(len(body))}
        self.call("PUT", f"/v2/{repo}/manifests/{tag}", 201, headers, [body])


def _descriptor(media_type: str, digest: str, data: bytes) -> dict[str, object]:
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def _octets(length: int) -> dict[str, str]:
    return {"Content-Type": "application/octet-stream", "Content-Length": str(length)}


def _with_digest(location: str, digest: str) -> str:
    return f"{location}{'&' if '?' in location else '?'}digest={quote(digest)}"


def _location(reply: Reply) -> str:
    location = reply.headers.get("Location")
    if not location:
        raise RuntimeError(f"failed: reply {reply.status} without a Location")
    return location


def _path(target: str) -> str:
    """The path and query of a URL or of a path (Location may be either)."""
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- measurements -----------------------------------------------------------


@dataclass(frozen=True)
class Options:
    size: int
    chunk: int
    repeats: int
    seconds: float
    workdir: Path | None
    write: bool


@dataclass(frozen=True)
class Row:
    """One measure, the median per registry, and the target ratio."""

    measure: str
    unit: str
    values: dict[str, float]
    target: str


T = TypeVar("T")
Samples = dict[str, dict[str, list[float]]]  # measure -> registry -> samples


def _record(samples: Samples, measure: str, target: str, value: float) -> None:
    samples.setdefault(measure, {}).setdefault(target, []).append(value)


def _timed(action: Callable[..., T], *args: object) -> tuple[float, T]:
    """Seconds ``action(*args)`` took, and what it returned."""
    started = time.perf_counter()
    result = action(*args)
    return time.perf_counter() - started, result


@dataclass(frozen=True)
class BlobRound:
    """The two payloads of one round, with their digests computed up front."""

    mono: Payload
    mono_digest: str
    chunked: Payload
    chunked_digest: str
    repo: str

    @classmethod
    def make(cls, size: int, round_: int) -> BlobRound:
        mono, chunked = Payload(size, seed=2 * round_), Payload(size, 2 * round_ + 1)
        repo = f"bench/blob-{round_}"
        return cls(mono, mono.digest(), chunked, chunked.digest(), repo)


def measure_blobs(targets: list[Target], options: Options, samples: Samples) -> None:
    """Push (both ways) and pull a blob of ``options.size`` on every target."""
    for round_ in range(options.repeats):
        blobs = BlobRound.make(options.size, round_)
        # Alternate who goes first so neither always meets a warmer machine.
        order = targets if round_ % 2 == 0 else targets[::-1]
        for target in order:
            client = Client(target.base_url)
            try:
                _blob_round(client, target, blobs, options, samples)
            finally:
                client.close()
            print(f"  blobs round {round_ + 1}: {target.name} done", flush=True)


def _blob_round(
    client: Client,
    target: Target,
    blobs: BlobRound,
    options: Options,
    samples: Samples,
) -> None:
    size_mb, name = options.size / 1e6, target.name
    with PeakRss(target.pid) as rss:
        took, _ = _timed(
            client.push_monolithic, blobs.repo, blobs.mono, blobs.mono_digest
        )
    _record(samples, "push monolithic", name, size_mb / took)
    _record(samples, "rss push", name, rss.peak / MIB)

    took, got = _timed(client.pull, blobs.repo, blobs.mono_digest)
    if got != options.size:
        raise RuntimeError(f"failed: pulled {got} of {options.size} bytes")
    _record(samples, "pull", name, size_mb / took)

    with PeakRss(target.pid) as rss:
        took, _ = _timed(
            client.push_chunked,
            blobs.repo,
            blobs.chunked,
            blobs.chunked_digest,
            options.chunk,
        )
    _record(samples, "push chunked", name, size_mb / took)
    _record(samples, "rss push", name, rss.peak / MIB)


RATE_CASES = (("GET", 1), ("GET", 32), ("HEAD", 1), ("HEAD", 32))


def measure_manifests(targets: list[Target], options: Options, samples: Samples) -> str:
    """Manifest GET/HEAD request rates; the name of the load generator used."""
    generators = _rate_generators()
    for target in targets:
        client = Client(target.base_url)
        try:
            client.push_manifest("bench/manifest", "latest")
        finally:
            client.close()
    headers = {"Accept": OCI_MANIFEST}
    for method, clients in RATE_CASES:
        for round_ in range(options.repeats):
            order = targets if round_ % 2 == 0 else targets[::-1]
            for target in order:
                url = f"{target.base_url}/v2/bench/manifest/manifests/latest"
                rate = generators[method]
                rate(url, method, headers, clients, 1)  # warm up
                value = rate(url, method, headers, clients, options.seconds)
                measure = f"manifest {method} x{clients}"
                _record(samples, measure, target.name, value)
        print(f"  manifest {method} with {clients} clients done", flush=True)
    return ", ".join(f"{_NAMES[rate]} for {m}" for m, rate in generators.items())


RateFn = Callable[[str, str, dict[str, str], int, float], float]
_NAMES: dict[RateFn, str] = {
    wrk_rate: "wrk",
    hey_rate: "hey",
    threaded_rate: "httpx in threads",
}


def _rate_generators() -> dict[str, RateFn]:
    """The fastest installed load generator per method (wrk 4.1 hangs on HEAD)."""
    fallback = hey_rate if shutil.which("hey") else threaded_rate
    get = wrk_rate if shutil.which("wrk") else fallback
    return {"GET": get, "HEAD": fallback}


# --- report -----------------------------------------------------------------

_MEASURES = (
    ("push monolithic", "push 1 GiB blob, monolithic (MB/s)", ">= 1.0x"),
    ("push chunked", "push 1 GiB blob, 16 MiB chunks (MB/s)", ">= 1.0x"),
    ("pull", "pull 1 GiB blob (MB/s)", ">= 0.8x"),
    ("manifest GET x1", "manifest GET, 1 client (req/s)", ">= 1.0x"),
    ("manifest GET x32", "manifest GET, 32 clients (req/s)", ">= 1.0x"),
    ("manifest HEAD x1", "manifest HEAD, 1 client (req/s)", ">= 1.0x"),
    ("manifest HEAD x32", "manifest HEAD, 32 clients (req/s)", ">= 1.0x"),
)


HEADER = (
    "measure", "seawall", "distribution", "ratio", "ratio of medians", "target",
    "met",
)  # fmt: skip


def report_rows(samples: Samples, options: Options) -> list[list[str]]:
    """Table rows: best figures, their ratio, the ratio of medians, the target."""
    size = _size_label(options)
    rows = []
    for key, label, target in _MEASURES:
        runs = samples.get(key, {})
        shown = label.replace("1 GiB", size).replace("16 MiB", _chunk_label(options))
        rows.append(_ratio_row(shown, runs, target))
    rss = {name: max(v) for name, v in samples.get("rss push", {}).items()}
    rows.append(_rss_row(f"peak server RSS during {size} push (MiB)", rss))
    return rows


def _ratio_row(label: str, runs: dict[str, list[float]], target: str) -> list[str]:
    ours, peer = runs.get("seawall"), runs.get("distribution")
    best = [_fmt(max(v) if v else None) for v in (ours, peer)]
    if not ours or not peer:
        return [label, *best, "-", "-", target, "-"]
    ratio = max(ours) / max(peer)
    of_medians = median(ours) / median(peer)
    met = ratio >= float(target.split()[1].rstrip("x"))
    return [
        label, *best, f"{ratio:.2f}x", f"{of_medians:.2f}x", target, _yes(met),
    ]  # fmt: skip


def _rss_row(label: str, values: dict[str, float]) -> list[str]:
    ours, peer = values.get("seawall"), values.get("distribution")
    met = "-" if ours is None else _yes(ours < RSS_LIMIT_MIB)
    ratio = "-" if ours is None or peer is None else f"{ours / peer:.2f}x"
    limit = f"< {RSS_LIMIT_MIB} MiB"
    return [label, _fmt(ours), _fmt(peer), ratio, "-", limit, met]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def _size_label(options: Options) -> str:
    size = options.size
    return (
        f"{size // (1024 * MIB)} GiB"
        if size % (1024 * MIB) == 0
        else f"{size // MIB} MiB"
    )


def _chunk_label(options: Options) -> str:
    return f"{options.chunk // MIB} MiB"


def _versions() -> str:
    out = subprocess.run(
        [DISTRIBUTION_BIN, "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    peer = out[-1] if out else "unknown"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    ).stdout.strip()
    ours = f"{metadata.version('seawall')} ({commit or 'unknown commit'})"
    return f"Seawall {ours}, distribution {peer}"


def render(samples: Samples, options: Options, generator: str, load: str) -> str:
    """The markdown section: context, command, table, method."""
    table = markdown_table(HEADER, report_rows(samples, options))
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""\
{_versions()}; {os.cpu_count()} CPUs shared with other work (load average
{load} over the run); {when}.

Command (repository root, after `make venv system-deps`):

```
{COMMAND}
```

{table}

Each figure is the best of {options.repeats} runs that alternate between
the two servers (the least disturbed run on a shared machine; peak RSS: the
highest sample); "ratio of medians" shows how the typical runs compare.
Both servers run on loopback on the same machine with their default
logging, storing on the same filesystem, and use every core: distribution
by its Go runtime, Seawall with `SEAWALL_WORKERS` set to the CPU count (peak
RSS adds up the supervising parent and every worker process, about 100
MiB per worker); the same client measures both:
Python's http.client over one keep-alive HTTP/1.1 connection for blobs (the
body streams from a generator; this client moves several GB/s on loopback),
{generator} for manifest requests ({options.seconds:g} s each, after a 1 s
warm-up). Ratios are seawall / distribution.
"""


# --- main -------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> tuple[Options, str | None]:
    parser = argparse.ArgumentParser(prog="python -m bench.registry")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave docs alone"
    )
    parser.add_argument(
        "--only",
        choices=("seawall", "distribution"),
        help="run one registry (no ratios; implies --no-write)",
    )
    args = parser.parse_args(argv)
    options = Options(
        size=args.size_mib * MIB,
        chunk=args.chunk_mib * MIB,
        repeats=args.repeats,
        seconds=args.seconds,
        workdir=args.workdir,
        write=not (args.no_write or args.only),
    )
    return options, args.only


def run(options: Options, only: str | None) -> str:
    """Start the registries, measure, return the markdown section."""
    samples: Samples = {}
    load_before = load_average()
    with contextlib.ExitStack() as stack:
        targets = []
        starters = (("distribution", distribution), ("seawall", seawall))
        for name, start in starters:
            if only in (None, name):
                workdir = stack.enter_context(
                    scratch_dir(options.workdir, f"bench-{name}-")
                )
                targets.append(stack.enter_context(start(workdir)))
        measure_blobs(targets, options, samples)
        print(render(samples, options, "-", load_before), flush=True)
        generator = measure_manifests(targets, options, samples)
    load = f"{load_before} at the start, {load_average()} at the end"
    print("samples:", json.dumps(samples), flush=True)
    return render(samples, options, generator, load)


def main(argv: list[str] | None = None) -> None:
    options, only = parse_args(argv)
    section = run(options, only)
    print(section)
    if options.write:
        write_section("Registry", section)
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
