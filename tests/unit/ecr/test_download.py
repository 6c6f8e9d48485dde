"""Pre-signed download URLs: authentic, bound to one blob, short-lived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from seawall.ecr.download import (
    PATH,
    DownloadUrls,
    RangeNotSatisfiable,
    parse_range,
)

DIGEST = "sha256:" + "ab" * 32
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_url_round_trips_to_repository_and_digest() -> None:
    urls = DownloadUrls(b"k" * 32, Clock())
    url = urls.url("http://registry:5000/", "team/app", DIGEST)
    assert url.startswith("http://registry:5000" + PATH + "?token=")
    found = urls.check(_token(url))
    assert found is not None
    assert found[0] == "team/app"
    assert str(found[1]) == DIGEST


def test_tampered_token_or_other_key_is_refused() -> None:
    clock = Clock()
    token = _token(DownloadUrls(b"k" * 32, clock).url("http://h", "a/b", DIGEST))
    payload, _, signature = token.partition(".")
    assert DownloadUrls(b"x" * 32, clock).check(token) is None
    assert DownloadUrls(b"k" * 32, clock).check(payload + "." + signature[::-1]) is None
    other = _token(DownloadUrls(b"k" * 32, clock).url("http://h", "a/c", DIGEST))
    assert (
        DownloadUrls(b"k" * 32, clock).check(other.split(".")[0] + "." + signature)
        is None
    )
    assert DownloadUrls(b"k" * 32, clock).check("garbage") is None


def test_token_expires() -> None:
    clock = Clock()
    urls = DownloadUrls(b"k" * 32, clock, ttl_seconds=60)
    token = _token(urls.url("http://h", "a/b", DIGEST))
    clock.now = NOW + timedelta(seconds=59)
    assert urls.check(token) is not None
    clock.now = NOW + timedelta(seconds=61)
    assert urls.check(token) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=5-", (5, 99)),
        ("bytes=90-200", (90, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=0-1,5-6", None),  # multiple ranges: the whole blob
        ("items=0-1", None),
    ],
)
def test_single_byte_ranges(
    header: str | None, expected: tuple[int, int] | None
) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=9-3", "bytes=-0", "bytes=x-"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)
