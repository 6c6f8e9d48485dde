"""Package names as each ecosystem compares them.

Advisories and inventories spell names differently (``PyYAML`` and
``pyyaml``, ``Jinja2`` and ``jinja2``, ``serde_json`` vs ``serde-json`` on
crates.io). Both sides pass through :func:`normalize_name` with the package's
ecosystem, and the ecosystem is always part of the key, so ``requests`` on
PyPI never meets ``requests`` on npm.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from packaging.utils import canonicalize_name


def _pypi(name: str) -> str:
    # PEP 503: lower case, runs of "-", "_", "." become one "-".
    return str(canonicalize_name(name))


def _lower(name: str) -> str:
    return name.strip().lower()


def _crates(name: str) -> str:
    # crates.io treats "-" and "_" as the same name.
    return name.strip().lower().replace("_", "-")


def _maven(name: str) -> str:
    # group:artifact, trimmed; Maven coordinates are case-sensitive but no two
    # real artifacts differ by case alone, and advisories vary the spelling.
    group, sep, artifact = name.strip().partition(":")
    if not sep:
        group, sep, artifact = name.strip().rpartition("/")
    return f"{group}:{artifact}".lower() if sep else name.strip().lower()


def _go(name: str) -> str:
    # Module paths are case-sensitive and compared as written.
    return name.strip().rstrip("/")


def _exact(name: str) -> str:
    return name.strip()


_RULES: dict[str, Callable[[str], str]] = {
    "PyPI": _pypi,
    "npm": _lower,
    "crates.io": _crates,
    "Maven": _maven,
    "Go": _go,
    "RubyGems": _exact,
    "Packagist": _lower,
    "NuGet": _lower,
    "Hex": _lower,
    "Pub": _lower,
}

_RELEASE_SPLIT = re.compile(r"^([^:]+)(?::(.*))?$")


def normalize_name(ecosystem: str, name: str) -> str:
    """The name advisories and packages of ``ecosystem`` are joined on."""
    rule = _RULES.get(ecosystem)
    if rule is not None:
        return rule(name)
    # OS packages (Debian, Alpine, RPM) are lower-case by policy already.
    return _lower(name)


def split_ecosystem(value: str) -> tuple[str, str]:
    """``"Debian:12"`` -> ``("Debian", "12")``; ``"PyPI"`` -> ``("PyPI", "")``.

    Ubuntu's ``"Ubuntu:22.04:LTS"`` becomes ``("Ubuntu", "22.04")`` and its
    Pro (ESM) streams ``"Ubuntu:Pro:18.04:LTS"`` become
    ``("Ubuntu", "pro:18.04")`` so they never match a standard image.
    """
    match = _RELEASE_SPLIT.match(value.strip())
    if match is None:
        return value, ""
    base, release = match.group(1), match.group(2) or ""
    return base, normalize_release(base, release)


def normalize_release(base: str, release: str) -> str:
    """A distribution release as Seawall keys it (``v3.19.1`` -> ``3.19``)."""
    release = release.strip()
    if not release:
        return ""
    if base == "Ubuntu":
        parts = [p for p in release.split(":") if p not in ("LTS", "")]
        if parts and parts[0] == "Pro":
            return "pro:" + ":".join(parts[1:])
        return ":".join(parts)
    if base == "Alpine":
        return ".".join(release.lstrip("v").split(".")[:2])
    if base in ("AlmaLinux", "Rocky Linux", "Red Hat", "Debian"):
        return release.split(".")[0]
    return release
