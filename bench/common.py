"""Pieces every side-by-side benchmark uses.

Servers run as subprocesses on loopback; the same client measures every
server in the same run, and results are reported as ratios to the peer.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

MIB = 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = REPO_ROOT / "docs" / "benchmarks.md"
_WRK_RATE = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.M)
_HEY_RATE = re.compile(r"^\s*Requests/sec:\s+([0-9.]+)", re.M)
_HEY_STATUS = re.compile(r"^\s*\[(\d{3})\]\s+\d+ responses", re.M)
_WRK_ERRORS = re.compile(r"^\s*(Non-2xx or 3xx responses|Socket errors):\s*(.+)$", re.M)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_ready(
    url: str, proc: subprocess.Popen[bytes], timeout: float, *, verify: bool = True
) -> None:
    """Poll ``url`` until it answers below 500; raise if ``proc`` dies first.

    ``verify=False`` for a server whose self-signed CA does not exist yet.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"failed to start: exited with {proc.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2, verify=verify).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"failed to start: {url} not ready after {timeout}s")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_dir(need: int) -> Path | None:
    """``/dev/shm`` when it is a tmpfs with ``need`` bytes free, else None.

    On the virtual machines these benchmarks run on, writing into an ext4
    page cache swings between about 0.3 and 7 ms of kernel CPU per MiB
    (the same dd, minutes apart: large folios taken from memory the host
    has reclaimed), while tmpfs stays at 0.3. A benchmark that compares two
    configurations of Seawall by their CPU cost keeps both on tmpfs, so
    that the machine's memory is not what it measures.
    """
    shm = Path("/dev/shm")
    try:
        stats = os.statvfs(shm)
        with open("/proc/mounts") as mounts:
            tmpfs = any(line.split()[1:3] == [str(shm), "tmpfs"] for line in mounts)
    except OSError:
        return None
    return shm if tmpfs and stats.f_bavail * stats.f_frsize >= need else None


@contextlib.contextmanager
def scratch_dir(base: Path | None, prefix: str) -> Iterator[Path]:
    """A temporary directory under ``base`` (or the system's), removed after."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def running(
    argv: Sequence[str],
    ready_url: str,
    log: Path,
    env: dict[str, str] | None = None,
    *,
    verify: bool = True,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server until the block ends; its output goes to ``log``."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(argv), stdout=out, stderr=subprocess.STDOUT, env=env or None
        )
        try:
            try:
                wait_until_ready(ready_url, proc, timeout=60, verify=verify)
            except RuntimeError as exc:
                tail = log.read_text()[-4000:]
                raise RuntimeError(f"{exc}; log:\n{tail}") from exc
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- memory -----------------------------------------------------------------


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` and all its descendants, in bytes."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += _rss_bytes(current)
        pending.extend(_children(current))
    return total


def _rss_bytes(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            found.extend(int(child) for child in text.split())
    return found


@dataclass
class PeakRss:
    """Samples a process tree's RSS in a background thread; keeps the peak."""

    pid: int
    interval: float = 0.02
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> PeakRss:
        self.peak = tree_rss_bytes(self.pid)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak = max(self.peak, tree_rss_bytes(self.pid))

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, tree_rss_bytes(self.pid))


# --- payloads ---------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    """A large deterministic body produced piece by piece, never held whole.

    All pieces but the first are one shared random buffer, so producing the
    body costs the client nothing; the first piece carries ``seed`` so that
    payloads with different seeds have different digests.
    """

    size: int
    seed: int
    piece: int = MIB

    def pieces(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes [start, end) as a sequence of buffers (piece-aligned start)."""
        end = self.size if end is None else end
        block = _random_block(self.piece)
        first = self.seed.to_bytes(8, "big") + block[8:]
        offset = start
        while offset < end:
            chunk = first if offset == 0 else block
            length = min(self.piece - offset % self.piece, end - offset)
            yield chunk if length == self.piece else chunk[:length]
            offset += length

    def digest(self) -> str:
        hasher = hashlib.sha256()
        for chunk in self.pieces():
            hasher.update(chunk)
        return f"sha256:{hasher.hexdigest()}"


@functools.cache
def _random_block(size: int) -> bytes:
    return os.urandom(size)


# --- request rates ----------------------------------------------------------


def wrk_rate(
    url: str, method: str, headers: dict[str, str], clients: int, seconds: float
) -> float:
    """Requests per second ``wrk`` reaches with ``clients`` keep-alive connections.

    Raises RuntimeError when any response was not 2xx/3xx or a socket failed,
    so a server answering errors quickly never looks fast.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\n')
    try:
        argv = [
            "wrk",
            f"-t{min(clients, 2)}",
            f"-c{clients}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
        ]
        argv += [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
        argv += ["-s", script.name, url]
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    errors = _WRK_ERRORS.search(out)
    match = _WRK_RATE.search(out)
    if errors or match is None:
        raise RuntimeError(f"failed to measure {method} {url}:\n{out}")
    return float(match.group(1))


def hey_rate(
    url: str, method: str, headers: dict[str, str], clients: int, seconds: float
) -> float:
    """Requests per second ``hey`` reaches; for HEAD, which wrk 4.1 mishandles.

    Raises RuntimeError when any response was not 2xx or any request failed.
    """
    argv = ["hey", "-z", f"{max(1, round(seconds))}s", "-c", str(clients)]
    argv += ["-m", method, "-t", "30", "-disable-compression"]
    argv += [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
    out = subprocess.run(
        [*argv, url], capture_output=True, text=True, check=True
    ).stdout
    statuses = set(_HEY_STATUS.findall(out))
    match = _HEY_RATE.search(out)
    if match is None or "Error distribution" in out or not statuses <= {"200"}:
        raise RuntimeError(f"failed to measure {method} {url}:\n{out}")
    return float(match.group(1))


def threaded_rate(
    url: str, method: str, headers: dict[str, str], clients: int, seconds: float
) -> float:
    """The same measure as :func:`wrk_rate` with httpx in threads (no wrk)."""
    deadline = time.monotonic() + seconds
    counts = [0] * clients

    def worker(index: int) -> None:
        with httpx.Client(headers=headers, timeout=30) as client:
            while time.monotonic() < deadline:
                client.request(method, url).raise_for_status()
                counts[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def load_average() -> str:
    """The 1-minute load average, to show how busy the machine was."""
    return f"{os.getloadavg()[0]:.1f}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# --- reporting --------------------------------------------------------------


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the ``## title`` section of ``path`` with ``body``."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    heading = f"## {title}\n"
    section = f"{heading}\n{body.strip()}\n"
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        tail = "" if end < 0 else text[end:]
        text = text[:start] + section + tail
    path.write_text(text)
