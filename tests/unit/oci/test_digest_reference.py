"""Digests, repository names, tags and image references."""

from __future__ import annotations

import pytest

from seawall.errors import DigestInvalid, NameInvalid, TagInvalid, Unsupported
from seawall.oci.digest import Digest
from seawall.oci.reference import ImageReference, validate_name, validate_tag

SHA256 = "sha256:" + "a" * 64
SHA512 = "sha512:" + "b" * 128


@pytest.mark.parametrize("value", [SHA256, SHA512])
def test_valid_digests(value: str) -> None:
    assert str(Digest.parse(value)) == value


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("sha256:" + "a" * 63, DigestInvalid),
        ("sha256:" + "A" * 64, DigestInvalid),
        ("sha256:", DigestInvalid),
        ("sha256" + "a" * 64, DigestInvalid),
        ("", DigestInvalid),
        ("sha512:" + "b" * 64, DigestInvalid),
        ("md5:" + "c" * 32, Unsupported),
        ("blake3:" + "d" * 64, Unsupported),
    ],
)
def test_invalid_digests(value: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        Digest.parse(value)


def test_digest_of() -> None:
    assert str(Digest.of(b"")) == (
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@pytest.mark.parametrize(
    "name",
    [
        "a",
        "library/ubuntu",
        "my-org/team.app/service_1",
        "a__b/c--d",
        "x" * 255,
        "0/1/2/3",
    ],
)
def test_valid_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Upper",
        "a/../b",
        "..",
        "./a",
        "a//b",
        "/a",
        "a/",
        "-a",
        "a-",
        "a%2Fb",
        "a b",
        "a\nb",
        "x" * 256,
        "a/b@c",
        "a:b",
        "a___b",
    ],
)
def test_invalid_names(name: str) -> None:
    with pytest.raises(NameInvalid):
        validate_name(name)


@pytest.mark.parametrize("tag", ["latest", "v1.2.3", "_x", "A" * 128, "1.0-rc_1"])
def test_valid_tags(tag: str) -> None:
    assert validate_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", "-x", ".x", "A" * 129, "a/b", "a:b", "a@b"])
def test_invalid_tags(tag: str) -> None:
    with pytest.raises(TagInvalid):
        validate_tag(tag)


@pytest.mark.parametrize(
    ("value", "host", "repository", "reference"),
    [
        ("alpine", None, "alpine", "latest"),
        ("library/alpine:3.19", None, "library/alpine", "3.19"),
        ("localhost:5000/team/app:v1", "localhost:5000", "team/app", "v1"),
        ("registry.example.com/app@" + SHA256, "registry.example.com", "app", SHA256),
        ("localhost/app", "localhost", "app", "latest"),
    ],
)
def test_image_references(
    value: str, host: str | None, repository: str, reference: str
) -> None:
    parsed = ImageReference.parse(value)
    assert (parsed.host, parsed.repository, parsed.reference) == (
        host,
        repository,
        reference,
    )
