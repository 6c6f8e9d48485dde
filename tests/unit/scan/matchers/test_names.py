"""Name rules per ecosystem and distribution release keys."""

from __future__ import annotations

import pytest

from seawall.scan.matchers.names import normalize_name, split_ecosystem
from seawall.scan.matchers.purls import package_from_purl


@pytest.mark.parametrize(
    ("ecosystem", "name", "expected"),
    [
        ("PyPI", "PyYAML", "pyyaml"),
        ("PyPI", "zope.interface", "zope-interface"),
        ("PyPI", "Jinja2", "jinja2"),
        ("npm", "@Babel/Runtime", "@babel/runtime"),
        ("crates.io", "serde_json", "serde-json"),
        (
            "Maven",
            "org.apache.logging.log4j:log4j-core",
            "org.apache.logging.log4j:log4j-core",
        ),
        (
            "Maven",
            "com.FasterXML.jackson.core/jackson-databind",
            "com.fasterxml.jackson.core:jackson-databind",
        ),
        ("Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"),
        ("RubyGems", "rack", "rack"),
        ("Packagist", "GuzzleHttp/Guzzle", "guzzlehttp/guzzle"),
        ("NuGet", "Newtonsoft.Json", "newtonsoft.json"),
        ("Debian", "OpenSSL", "openssl"),
    ],
)
def test_normalize_name(ecosystem: str, name: str, expected: str) -> None:
    assert normalize_name(ecosystem, name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Debian:12", ("Debian", "12")),
        ("Debian:12.4", ("Debian", "12")),
        ("Alpine:v3.19", ("Alpine", "3.19")),
        ("Alpine:v3.19.1", ("Alpine", "3.19")),
        ("Ubuntu:22.04:LTS", ("Ubuntu", "22.04")),
        ("Ubuntu:Pro:18.04:LTS", ("Ubuntu", "pro:18.04")),
        ("AlmaLinux:9", ("AlmaLinux", "9")),
        ("PyPI", ("PyPI", "")),
    ],
)
def test_split_ecosystem(value: str, expected: tuple[str, str]) -> None:
    assert split_ecosystem(value) == expected


def test_purls_to_packages() -> None:
    deb = package_from_purl(
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
    )
    assert deb is not None
    assert (deb.ecosystem, deb.distro, deb.source_name) == (
        "Debian",
        "Debian:12",
        "openssl",
    )
    maven = package_from_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
    assert maven is not None
    assert maven.name == "org.apache.logging.log4j:log4j-core"
    rpm = package_from_purl(
        "pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?epoch=1&distro=almalinux-9.3"
    )
    assert rpm is not None
    assert rpm.version == "1:3.0.7-27.el9"
    assert package_from_purl("pkg:generic/thing@1.0") is None
