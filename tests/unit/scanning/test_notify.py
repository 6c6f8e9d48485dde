"""Webhook deliveries: retried on 5xx and connection errors, not on 4xx."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from seawall.scanning.notify import deliver
from seawall.tasks.worker import PermanentError


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[Any], list[int]]]:
    bodies: list[Any] = []
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(statuses.pop(0) if statuses else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", bodies, statuses
    httpd.shutdown()
    httpd.server_close()


def test_delivers_json(receiver: tuple[str, list[Any], list[int]]) -> None:
    url, bodies, _ = receiver
    deliver({"url": url, "body": {"detail": {"x": 1}}})
    assert bodies == [{"detail": {"x": 1}}]


def test_server_error_is_retried(receiver: tuple[str, list[Any], list[int]]) -> None:
    url, _, statuses = receiver
    statuses.append(503)
    with pytest.raises(RuntimeError, match="answered 503"):
        deliver({"url": url, "body": {}})


def test_client_error_is_permanent(receiver: tuple[str, list[Any], list[int]]) -> None:
    url, _, statuses = receiver
    statuses.append(404)
    with pytest.raises(PermanentError, match="answered 404"):
        deliver({"url": url, "body": {}})


def test_unreachable_is_retried() -> None:
    with pytest.raises(RuntimeError, match="failed to deliver webhook"):
        deliver({"url": "http://127.0.0.1:9/hook", "body": {}}, timeout=2.0)
