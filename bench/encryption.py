"""Encrypted versus unencrypted Seawall, side by side in one run.

Two ``seawall serve`` processes on loopback differ only in
``SEAWALL_ENCRYPTION`` (true, the default, versus false, a benchmark-only
switch). The same client pushes a blob monolithically and in chunks and
pulls it back from each, alternating who goes first; each figure is the
median of ``--repeats`` runs. A second table sweeps
``SEAWALL_ENCRYPTION_CHUNK_SIZE`` on a smaller blob to show why the default
was chosen. Run ``python -m bench.encryption`` from the repository root; the
result replaces the "Encryption at rest" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    MIB,
    Payload,
    PeakRss,
    cpu_seconds,
    free_port,
    markdown_table,
    median,
    memory_dir,
    running,
    scratch_dir,
    write_section,
)
from bench.registry import Client, Target

COMMAND = ".venv/bin/python -m bench.encryption"
TARGET_RATIO = 0.9
SWEEP_SIZES = (64 * 1024, 256 * 1024, 1024 * 1024, 2048 * 1024, 4096 * 1024)


@contextlib.contextmanager
def seawall(
    workdir: Path, name: str, *, tls: bool = False, **settings: str
) -> Iterator[Target]:
    """``seawall serve`` with a fresh data directory and ``settings``.

    With ``tls`` the server makes its own CA and certificate
    (``SEAWALL_TLS_SELF_SIGNED``) and the target carries that CA.
    """
    port = free_port()
    data = workdir / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAWALL_")}
    env |= {"SEAWALL_DATA_DIR": str(data)}
    env |= {"SEAWALL_LISTEN": f"127.0.0.1:{port}", "SEAWALL_AUTH_ENABLED": "false"}
    env |= {f"SEAWALL_{key.upper()}": value for key, value in settings.items()}
    if tls:
        env["SEAWALL_TLS_SELF_SIGNED"] = "true"
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    argv = [str(Path(sys.executable).parent / "seawall"), "serve"]
    log = workdir / "server.log"
    with running(argv, f"{base}/v2/", log, env, verify=not tls) as proc:
        yield Target(name, base, proc.pid, data / "tls" / "ca.pem" if tls else None)


Samples = dict[str, dict[str, list[float]]]


def _record(samples: Samples, measure: str, name: str, value: float) -> None:
    samples.setdefault(measure, {}).setdefault(name, []).append(value)


def blob_round(
    targets: list[Target], size: int, seed: int, chunk: int, samples: Samples
) -> None:
    """Push monolithic, pull, push chunked: MB/s of each into ``samples``.

    Each step runs on every target back to back before the next step, the
    order reversed from one step to the next (A B, B A, A B), so that the
    two figures of a pair are taken seconds apart: this machine's speed
    drifts by tens of percent within a minute. Digests are computed before
    any request (an idle keep-alive connection would be closed by the
    server meanwhile), and each request has its own connection.
    """
    repo = f"bench/enc-{seed}"
    mono, chunked = Payload(size, 2 * seed), Payload(size, 2 * seed + 1)
    mono_digest, chunked_digest = mono.digest(), chunked.digest()
    mib = size / MIB
    for target in targets:
        with PeakRss(target.pid) as rss:
            took, cpu, _ = _call(target, "push_monolithic", repo, mono, mono_digest)
        _record(samples, "push monolithic", target.name, size / 1e6 / took)
        _record(samples, "cpu push monolithic", target.name, cpu * 1000 / mib)
        _record(samples, "rss", target.name, rss.peak / MIB)
    for target in targets[::-1]:
        took, cpu, got = _call(target, "pull", repo, mono_digest)
        if got != size:
            raise RuntimeError(f"failed: pulled {got} of {size} bytes")
        _record(samples, "pull", target.name, size / 1e6 / took)
        _record(samples, "cpu pull", target.name, cpu * 1000 / mib)
    for target in targets:
        took, cpu, _ = _call(
            target, "push_chunked", repo, chunked, chunked_digest, chunk
        )
        _record(samples, "push chunked", target.name, size / 1e6 / took)
        _record(samples, "cpu push chunked", target.name, cpu * 1000 / mib)


def _call(target: Target, method: str, *args: object) -> tuple[float, float, object]:
    """One client call on a fresh connection: seconds, server CPU seconds, result."""
    client = Client(target.base_url, target.ca)
    try:
        cpu = cpu_seconds(target.pid)
        started = time.perf_counter()
        result = getattr(client, method)(*args)
        took = time.perf_counter() - started
        return took, cpu_seconds(target.pid) - cpu, result
    finally:
        client.close()


@dataclass(frozen=True)
class Options:
    size: int
    chunk: int
    repeats: int
    sweep_size: int
    workdir: Path | None
    write: bool
    tls: bool = False
    sweep: bool = True

    @property
    def title(self) -> str:
        return "Encryption at rest over HTTPS" if self.tls else "Encryption at rest"

    @property
    def command(self) -> str:
        flags = (" --tls" if self.tls else "") + ("" if self.sweep else " --no-sweep")
        return COMMAND + flags


def compare(options: Options) -> Samples:
    """Encrypted against unencrypted, alternating, ``repeats`` rounds.

    Every round starts both servers afresh and removes their data when it
    ends, so that what the rounds wrote before (4 GiB each) neither fills
    the memory the data directories live in nor leaves one server of a
    round writing while the kernel reclaims.
    """
    samples: Samples = {}
    for round_ in range(options.repeats):
        with contextlib.ExitStack() as stack:
            targets = [
                stack.enter_context(
                    seawall(
                        stack.enter_context(
                            scratch_dir(options.workdir, f"bench-{name}-")
                        ),
                        name,
                        tls=options.tls,
                        encryption=flag,
                    )
                )
                for name, flag in (("encrypted", "true"), ("plain", "false"))
            ]
            order = targets if round_ % 2 == 0 else targets[::-1]
            blob_round(order, options.size, round_, options.chunk, samples)
            print(f"  round {round_ + 1} done", flush=True)
    return samples


def sweep(options: Options) -> Samples:
    """Encrypted push and pull at several chunk sizes, one server each."""
    samples: Samples = {}
    for round_ in range(options.repeats):
        for chunk_size in SWEEP_SIZES:
            name = f"{chunk_size // 1024} KiB"
            with (
                scratch_dir(options.workdir, "bench-sweep-") as workdir,
                seawall(workdir, name, encryption_chunk_size=str(chunk_size)) as target,
            ):
                blob_round([target], options.sweep_size, round_, options.chunk, samples)
            print(f"  sweep round {round_ + 1}: {name} done", flush=True)
    return samples


_MEASURES = (
    ("push monolithic", "push, monolithic (MB/s)"),
    ("push chunked", "push, 16 MiB chunks (MB/s)"),
    ("pull", "pull (MB/s)"),
)


def render(compared: Samples, swept: Samples, options: Options) -> str:
    size = f"{options.size // MIB} MiB"
    rows = []
    for key, label in _MEASURES:
        enc = median(compared[key]["encrypted"])
        plain = median(compared[key]["plain"])
        # Paired: each round ran both servers back to back, so its ratio is
        # free of the machine's drift between rounds (it is shared).
        paired = [
            e / p
            for e, p in zip(
                compared[key]["encrypted"], compared[key]["plain"], strict=True
            )
        ]
        ratio = median(paired)
        met = "yes" if ratio >= TARGET_RATIO else "**no**"
        rows.append(
            [
                f"{label}, {size}",
                f"{enc:,.0f}",
                f"{plain:,.0f}",
                f"{ratio:.2f}x ({min(paired):.2f}-{max(paired):.2f})",
                f">= {TARGET_RATIO}x",
                met,
            ]
        )
    rss = {name: max(v) for name, v in compared["rss"].items()}
    rows.append(
        [
            f"peak server RSS during {size} push (MiB)",
            f"{rss['encrypted']:,.0f}",
            f"{rss['plain']:,.0f}",
            f"{rss['encrypted'] / rss['plain']:.2f}x",
            "-",
            "-",
        ]
    )
    table = markdown_table(
        ["measure", "encrypted", "unencrypted", "ratio", "target", "met"], rows
    )
    cpu_rows = []
    for key, label in _MEASURES:
        enc_cpu = compared[f"cpu {key}"]["encrypted"]
        plain_cpu = compared[f"cpu {key}"]["plain"]
        extra = median([e - p for e, p in zip(enc_cpu, plain_cpu, strict=True)])
        cpu_rows.append(
            [
                label.split(" (")[0],
                f"{median(enc_cpu):.2f}",
                f"{median(plain_cpu):.2f}",
                f"{extra:+.2f}",
            ]
        )
    cpu_table = markdown_table(
        ["measure", "encrypted", "unencrypted", "encrypted - unencrypted (paired)"],
        cpu_rows,
    )
    sweep_part = ""
    if swept:
        sweep_rows = [
            [name] + [f"{median(swept[key][name]):,.0f}" for key, _ in _MEASURES]
            for name in (f"{c // 1024} KiB" for c in SWEEP_SIZES)
        ]
        sweep_table = markdown_table(
            ["chunk size", "push mono (MB/s)", "push chunked (MB/s)", "pull (MB/s)"],
            sweep_rows,
        )
        sweep_part = f"""
Chunk size sweep ({options.sweep_size // MIB} MiB blob, encrypted, medians of
{options.repeats} runs, one fresh server per size):

{sweep_table}
"""
    transport = (
        "HTTPS (each server's own self-signed certificate, TLS 1.3 through"
        " Python's ssl module in both server and client)"
        if options.tls
        else "plain HTTP"
    )
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = f"`{options.workdir}`" if options.workdir else "the system's temp dir"
    return f"""\
{os.cpu_count()} CPUs shared with other work; {when}.

Command (repository root):

```
{options.command}
```

{table}

Both servers are `seawall serve` on the embedded default (SQLite, local
directory) over {transport}, access control off, differing only in
`SEAWALL_ENCRYPTION`;
each figure is the median of {options.repeats} runs with the client of
bench/registry.py, each run on two freshly started servers whose data is
removed afterwards. Data directories: {where} (see `memory_dir` in
bench/common.py for why tmpfs). Within a run each step (push, pull,
chunked push) goes to both servers back to back, in an order that flips
from step to step and from run to run. A ratio is the median, over the
runs, of encrypted / unencrypted within one run (the range in brackets):
the two requests of a pair met the same machine, which drifts by tens of
percent within a minute.

Server CPU per MiB moved (ms, user + system, all threads of the server
process, read from `/proc` before and after each request; medians of the
same runs):

{cpu_table}
{sweep_part}"""


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.encryption")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--sweep-mib", type=int, default=256)
    parser.add_argument("--chunk-mib", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the servers keep their data (default: /dev/shm if it has"
        " room, see bench.common.memory_dir, else the system's temporary dir)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="both servers on HTTPS (self-signed), as a deployment runs them;"
        " written to its own section",
    )
    parser.add_argument(
        "--no-sweep", action="store_true", help="skip the chunk size sweep"
    )
    args = parser.parse_args(argv)
    size = args.size_mib * MIB
    # A round holds two servers' pushes at once: 4 blobs, and room to spare.
    workdir = args.workdir or memory_dir(6 * size)
    return Options(
        size,
        args.chunk_mib * MIB,
        args.repeats,
        args.sweep_mib * MIB,
        workdir,
        not args.no_write,
        args.tls,
        not args.no_sweep,
    )


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    compared = compare(options)
    swept = sweep(options) if options.sweep else {}
    section = render(compared, swept, options)
    print(section)
    if options.write:
        write_section(options.title, section)


if __name__ == "__main__":
    main()
