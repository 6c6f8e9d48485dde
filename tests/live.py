"""A live ``seawall serve`` in a subprocess, as users run it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """One server process with its own data directory."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    database_url: str = ""
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        scheme = (
            "https" if self.env.get("SEAWALL_TLS_SELF_SIGNED") == "true" else "http"
        )
        return f"{scheme}://{self.host}"

    def start(self, timeout: float = 30.0) -> LiveServer:
        self.port = self.port or free_port()
        env = dict(os.environ)
        env.update(
            SEAWALL_DATA_DIR=str(self.data_dir),
            SEAWALL_LISTEN=self.host,
            SEAWALL_DATABASE_URL=self.database_url,
        )
        env.update(self.env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "seawall.cli.main", "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"seawall serve exited:\n{self.logs()}")
            try:
                httpx.get(f"{self.url}/v2/", timeout=1.0, verify=False)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"seawall serve did not start in {timeout}s:\n{self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def kill(self) -> None:
        """``kill -9``: no chance to clean up."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            self.process = None
