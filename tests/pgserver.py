"""A throwaway PostgreSQL server for the tests.

:func:`running_postgres` runs ``initdb`` into a fresh temporary directory,
starts the server with ``pg_ctl`` on a free loopback port (its unix socket
stays inside that directory), creates a database and yields a
``postgresql://`` URL. On exit the server stops and the directory is removed.

PostgreSQL refuses to run as root, so under root the server runs as the
``postgres`` system user (Debian's package creates it) or else ``nobody``,
and the temporary directory is handed to that user.

``SEAWALL_TEST_POSTGRES_URL`` names an existing server instead (for a CI job
that provides one); then nothing is started.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

EXTERNAL_URL_VARIABLE = "SEAWALL_TEST_POSTGRES_URL"
DATABASE = "seawall"
SUPERUSER = "postgres"
_DEBIAN_GLOB = "/usr/lib/postgresql/*/bin/initdb"
_START_ATTEMPTS = 3


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries were found on this machine."""


@dataclass(frozen=True)
class _RunAs:
    """The unprivileged account the server runs under (root only)."""

    uid: int
    gid: int


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Looks on PATH first, then in Debian's versioned directories (newest
    first). Raises :class:`PostgresUnavailableError` when none is found.
    """
    on_path = shutil.which("initdb")
    if on_path is not None:
        return Path(on_path).resolve().parent
    candidates = sorted(
        Path("/").glob(_DEBIAN_GLOB.lstrip("/")),
        key=lambda p: _version_key(p.parents[1].name),
        reverse=True,
    )
    for initdb in candidates:
        if (initdb.parent / "pg_ctl").exists():
            return initdb.parent
    raise PostgresUnavailableError(
        "failed to find initdb on PATH or in /usr/lib/postgresql"
    )


def unavailable_reason() -> str | None:
    """Why :func:`running_postgres` cannot work here, or None when it can."""
    if os.environ.get(EXTERNAL_URL_VARIABLE):
        return None
    try:
        find_bindir()
    except PostgresUnavailableError as exc:
        return str(exc)
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _unprivileged_account() -> _RunAs | None:
    """Who to run the server as: nobody special unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in (SUPERUSER, "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return _RunAs(uid=entry.pw_uid, gid=entry.pw_gid)
    raise PostgresUnavailableError(
        "failed to find an unprivileged user to run postgres"
    )


def _scratch_parent() -> str | None:
    """Where the cluster directory goes: /tmp when usable, else the default.

    /tmp keeps the unix socket path short (the kernel limits it to about
    100 bytes) and is reachable by the unprivileged server account, which a
    TMPDIR under /root would not be.
    """
    tmp = "/tmp"
    return tmp if os.access(tmp, os.W_OK | os.X_OK) else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Server:
    """One PostgreSQL cluster in a temporary directory."""

    def __init__(self, bindir: Path, root: Path, run_as: _RunAs | None) -> None:
        self.bindir = bindir
        self.root = root
        self.run_as = run_as
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "server.log"
        self.port = 0

    def run(self, *args: str) -> None:
        """Run a PostgreSQL program as the server's account; raise with its log."""
        extra = {}
        if self.run_as is not None:
            extra = {"user": self.run_as.uid, "group": self.run_as.gid}
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "LC_ALL": "C", "TZ": "UTC"},
            extra_groups=[] if self.run_as is not None else None,
            **extra,
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"failed to run {args[0]} (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log}"
            )

    def init(self) -> None:
        self.sockets.mkdir()
        if self.run_as is not None:
            for path in (self.root, self.sockets):
                os.chown(path, self.run_as.uid, self.run_as.gid)
        self.run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
            "-E", "UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        """Start on a free port, retrying when another process takes it first."""
        for attempt in range(_START_ATTEMPTS):
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} "
                f"-k {shlex.quote(str(self.sockets))} "
                # A test server: durability is not worth the time.
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                self.run(
                    "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log),
                    "-w", "-t", "60", "-o", options,
                )  # fmt: skip
                return
            except RuntimeError:
                if attempt == _START_ATTEMPTS - 1:
                    raise

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


def create_database(server_url: str, name: str | None = None) -> str:
    """Create a new empty database on the server of ``server_url``; its URL.

    Tests that need isolation from each other take one database each.
    """
    name = name or f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Yield the URL of a database on a throwaway PostgreSQL server.

    Raises :class:`PostgresUnavailableError` when no server binaries exist, and
    ``RuntimeError`` (with the server log) when the server fails to start.
    """
    external = os.environ.get(EXTERNAL_URL_VARIABLE)
    if external:
        yield create_database(external)
        return

    server = _Server(
        find_bindir(),
        Path(tempfile.mkdtemp(prefix="seawall-pg-", dir=_scratch_parent())),
        _unprivileged_account(),
    )
    try:
        server.init()
        server.start()
        try:
            yield create_database(server.url("postgres"), DATABASE)
        finally:
            server.stop()
    finally:
        shutil.rmtree(server.root, ignore_errors=True)
