"""Semantic Versioning 2.0.0 ordering (crates.io, npm).

Precedence: major, minor and patch as numbers; a pre-release sorts before
its release; pre-release identifiers compare one by one, numeric ones as
numbers and before alphanumeric ones, which compare as ASCII; a shorter
identifier list sorts first when all shared ones are equal. Build metadata
is kept out of precedence, so ``1.0.0+a`` equals ``1.0.0+b``.
"""

from __future__ import annotations

import re
from typing import Any

from seawall.scan.versions.interface import KeyedScheme

_NUMBER = r"0|[1-9][0-9]*"
_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_IDENT}(?:\.{_IDENT})*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
# node-semver refuses numbers it cannot hold exactly in a JavaScript number.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_LENGTH = 256
MAX_U64 = 2**64 - 1

PreKey = tuple[tuple[int, int | str], ...]


def prerelease_key(pre: str | None) -> tuple[int, PreKey]:
    """(0, identifiers) for a pre-release, (1, ()) for a release."""
    if pre is None:
        return (1, ())
    idents: list[tuple[int, int | str]] = []
    for ident in pre.split("."):
        idents.append((0, int(ident)) if ident.isdigit() else (1, ident))
    return (0, tuple(idents))


def semver_match(version: str) -> re.Match[str]:
    """The SemVer 2.0.0 match of ``version``; ValueError when it is not one."""
    match = _SEMVER.fullmatch(version)
    if match is None:
        raise ValueError("not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]")
    return match


def semver_key(match: re.Match[str]) -> tuple[Any, ...]:
    """The precedence key of a SemVer match."""
    return (
        int(match["major"]),
        int(match["minor"]),
        int(match["patch"]),
        prerelease_key(match["pre"]),
    )


class SemverScheme(KeyedScheme):
    """Strict SemVer 2.0.0, as Cargo reads crate versions (numbers fit u64)."""

    name = "SemVer"

    def _key(self, version: str) -> Any:
        key = semver_key(semver_match(version))
        if max(key[:3]) > MAX_U64:
            raise ValueError("number too large")
        return key


class NpmScheme(KeyedScheme):
    """SemVer as node-semver parses it (strict mode).

    node-semver also accepts a leading ``v``, surrounding blanks, and refuses
    strings over 256 characters and numbers above 2**53 - 1.
    """

    name = "npm"

    def _key(self, version: str) -> Any:
        text = version.strip()
        if len(version) > MAX_LENGTH:
            raise ValueError("longer than 256 characters")
        text = text[1:] if text[:1] == "v" else text
        key = semver_key(semver_match(text))
        if max(key[:3]) > MAX_SAFE_INTEGER:
            raise ValueError("number too large")
        return key
