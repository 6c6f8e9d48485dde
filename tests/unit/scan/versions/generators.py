"""Seeded generators of realistic, tricky version strings per ecosystem.

Pairs are half independent versions and half a version with a small edit,
so equal, nearly equal and pre-release neighbours are common.
"""

from __future__ import annotations

import random
from collections.abc import Callable

Pair = tuple[str, str]


def _pick(rng: random.Random, *choices: str) -> str:
    return rng.choice(choices)


def _number(rng: random.Random) -> str:
    return _pick(rng, "0", "1", "2", "3", "9", "10", "11", "01", "00", "100")


def dpkg_version(rng: random.Random) -> str:
    upstream = _number(rng)
    for _ in range(rng.randint(0, 4)):
        sep = _pick(rng, ".", ".", "+", "~", "")
        run = _pick(rng, _number(rng), "a", "b", "rc", "dfsg", "git", "Z")
        if sep == "" and run[0].isdigit() == upstream[-1].isdigit():
            sep = "."
        upstream += sep + run
    version = upstream
    if rng.random() < 0.6:
        revision = _pick(
            rng,
            "0",
            "1",
            "2",
            "10",
            "1ubuntu1",
            "1+deb12u1",
            "0~bpo1",
            "1.1",
            "3~rc1",
            "1+b1",
        )
        version += "-" + revision
    if rng.random() < 0.2:
        version = f"{_pick(rng, '0', '1', '2', '10')}:{version}"
    return version


def rpm_version(rng: random.Random) -> str:
    version = _number(rng)
    for _ in range(rng.randint(0, 4)):
        sep = _pick(rng, ".", ".", "_", "+", "~", "^", "")
        run = _pick(rng, _number(rng), "a", "b", "rc", "git", "el8", "Z", "beta")
        version += sep + run
    release = _pick(
        rng,
        "1",
        "2",
        "10",
        "1.el8",
        "1.el8_9",
        "3.el9_4.1",
        "0.1.rc1",
        "1~beta",
        "1^20230101",
        "22.module+el8.1.0",
    )
    evr = f"{version}-{release}" if rng.random() < 0.85 else version
    if rng.random() < 0.2:
        evr = f"{_pick(rng, '0', '1', '2')}:{evr}"
    return evr


def maven_version(rng: random.Random) -> str:
    parts = [_number(rng)]
    for _ in range(rng.randint(0, 4)):
        sep = _pick(rng, ".", ".", "-", "")
        item = _pick(
            rng,
            _number(rng),
            "alpha",
            "beta",
            "RC",
            "cr",
            "SNAPSHOT",
            "ga",
            "final",
            "release",
            "sp",
            "foo",
            "a1",
            "b2",
            "m3",
            "Final",
            "jre",
            "android",
        )
        if sep == "" and item[0].isdigit() == parts[-1][-1].isdigit():
            sep = "-"
        parts.append(sep + item)
    return "".join(parts)


def gem_version(rng: random.Random) -> str:
    parts = [_number(rng)]
    for _ in range(rng.randint(0, 4)):
        parts.append(
            _pick(rng, _number(rng), _number(rng), "pre", "rc1", "beta", "a", "b2", "0")
        )
    version = ".".join(parts)
    if rng.random() < 0.15:
        version += "-" + _pick(rng, "rc1", "beta", "1", "pre.2")
    return version


def composer_version(rng: random.Random) -> str:
    version = ".".join(
        _number(rng).lstrip("0") or "0" for _ in range(rng.randint(1, 4))
    )
    if rng.random() < 0.2:
        version = "v" + version
    if rng.random() < 0.5:
        version += _pick(
            rng,
            "-beta",
            "-beta2",
            "-RC1",
            "RC2",
            "-alpha.3",
            "-a1",
            "-b2",
            "-patch1",
            "-p2",
            "pl3",
            "-stable",
            "-dev",
            "-beta1-dev",
            "-rc.4",
        )
    if rng.random() < 0.1:
        version += "+build" + _number(rng)
    return version


def semver_version(rng: random.Random) -> str:
    version = ".".join(_pick(rng, "0", "1", "2", "10") for _ in range(3))
    if rng.random() < 0.5:
        idents = [
            _pick(rng, "alpha", "beta", "rc", "0", "1", "2", "11", "x-y", "A", "0a")
            for _ in range(rng.randint(1, 3))
        ]
        version += "-" + ".".join(idents)
    if rng.random() < 0.15:
        version += "+" + _pick(rng, "build.1", "sha.abc", "001")
    return version


def _edit(
    rng: random.Random, version: str, make: Callable[[random.Random], str]
) -> str:
    """A small edit: drop, append or change a trailing piece."""
    roll = rng.random()
    if roll < 0.25:
        return version
    if roll < 0.5:
        return version[: max(1, len(version) - rng.randint(1, 3))]
    if roll < 0.75:
        tail = make(rng)
        return version + _pick(rng, ".", "-", "~", "") + tail.split(".")[0]
    return make(rng)


def pairs(make: Callable[[random.Random], str], count: int, seed: int) -> list[Pair]:
    """``count`` pairs from ``make`` with a fixed seed."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    result = []
    for index in range(count):
        a = make(rng)
        b = make(rng) if index % 2 else _edit(rng, a, make)
        result.append((a, b))
    return result


def _partial(rng: random.Random) -> str:
    numbers = [_pick(rng, "0", "1", "2") for _ in range(3)]
    shape = rng.random()
    if shape < 0.15:
        return _pick(rng, "x", "*", "X")
    if shape < 0.3:
        return numbers[0]
    if shape < 0.45:
        return f"{numbers[0]}.{numbers[1]}" + _pick(rng, "", ".x", ".*")
    version = ".".join(numbers)
    if rng.random() < 0.3:
        version += "-" + _pick(rng, "beta", "beta.1", "0", "rc.2", "alpha")
    return version


def npm_range(rng: random.Random) -> str:
    """A node-semver range: sets of comparators joined by ``||``."""
    sets = []
    for _ in range(rng.randint(1, 2)):
        if rng.random() < 0.15:
            sets.append(f"{_partial(rng)} - {_partial(rng)}")
            continue
        comparators = []
        for _ in range(rng.randint(1, 2)):
            op = _pick(rng, "^", "~", ">=", "<", ">", "<=", "=", "", "~>", "> ")
            comparators.append(op + _partial(rng))
        sets.append(" ".join(comparators))
    return " || ".join(sets)


def npm_range_pairs(count: int, seed: int) -> list[Pair]:
    """(version, range) pairs."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    result = []
    for _ in range(count):
        version = ".".join(_pick(rng, "0", "1", "2", "3") for _ in range(3))
        if rng.random() < 0.3:
            version += "-" + _pick(rng, "beta", "beta.1", "beta.2", "0", "rc.2")
        result.append((version, npm_range(rng)))
    return result


def composer_constraint(rng: random.Random) -> str:
    """A Composer constraint: FriendsOfPHP-style bounds and Composer sugar."""

    def bound() -> str:
        version = ".".join(
            _pick(rng, "0", "1", "2", "3") for _ in range(rng.randint(1, 3))
        )
        if rng.random() < 0.2:
            version += _pick(rng, "-beta1", "-RC1", "-dev", "-alpha")
        op = _pick(rng, ">=", "<", ">", "<=", "==", "!=", "~", "^", "", "= ")
        if rng.random() < 0.1:
            return version.rsplit(".", 1)[0] + ".*"
        return op + version

    alternatives = []
    for _ in range(rng.randint(1, 2)):
        if rng.random() < 0.1:
            alternatives.append(f"{bound().lstrip('<>=!~^ ')} - 2.1")
            continue
        joiner = _pick(rng, ",", ", ", " ")
        alternatives.append(joiner.join(bound() for _ in range(rng.randint(1, 2))))
    return _pick(rng, " || ", "|", "||").join(alternatives)


def composer_constraint_pairs(count: int, seed: int) -> list[Pair]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    return [(composer_version(rng), composer_constraint(rng)) for _ in range(count)]


def gem_requirement(rng: random.Random) -> str:
    def one() -> str:
        op = _pick(rng, "~>", ">=", "<", ">", "<=", "=", "!=", "")
        return f"{op} {gem_version(rng)}".strip()

    return ", ".join(one() for _ in range(rng.randint(1, 2)))


def gem_requirement_pairs(count: int, seed: int) -> list[Pair]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    return [(gem_version(rng), gem_requirement(rng)) for _ in range(count)]


def maven_range(rng: random.Random) -> str:
    """A Maven version range: one or two intervals, or an exact version."""

    def bound() -> str:
        return (
            maven_version(rng)
            if rng.random() < 0.3
            else _pick(
                rng, "1.0", "1.2", "2.0", "2.0.1", "1.5-SNAPSHOT", "2.0-rc1", "3"
            )
        )

    intervals = []
    for _ in range(rng.randint(1, 2)):
        shape = rng.random()
        if shape < 0.15:
            intervals.append(f"[{bound()}]")
            continue
        low = "" if shape < 0.3 else bound()
        high = "" if 0.3 <= shape < 0.45 else bound()
        intervals.append(_pick(rng, "[", "(") + f"{low},{high}" + _pick(rng, "]", ")"))
    return ",".join(intervals)


def maven_range_pairs(count: int, seed: int) -> list[Pair]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    versions = (
        "0.9",
        "1.0",
        "1.1",
        "1.2",
        "1.5",
        "1.5-SNAPSHOT",
        "2.0-rc1",
        "2.0",
        "2.0.0",
        "2.0.1",
        "3",
        "3.0-ga",
    )
    return [
        (
            rng.choice(versions) if rng.random() < 0.6 else maven_version(rng),
            maven_range(rng),
        )
        for _ in range(count)
    ]


def python_legacy_version(rng: random.Random) -> str:
    """Versions pip once installed that PEP 440 refuses, and some it accepts."""
    parts = [_number(rng)]
    for _ in range(rng.randint(0, 4)):
        sep = _pick(rng, ".", ".", "-", "", "_")
        word = _pick(
            rng,
            _number(rng),
            "m",
            "final",
            "beta",
            "svn",
            "r",
            "dev",
            "pre",
            "preview",
            "rc",
            "p",
            "fix",
            "git",
            "SNAPSHOT",
            "a",
            "c",
            "post",
        )
        parts.append(sep + word)
    return "".join(parts)


def go_version(rng: random.Random) -> str:
    """Go module versions: releases, pre-releases, pseudo-versions, shorthands."""
    roll = rng.random()
    if roll < 0.1:
        return "v" + _pick(rng, "0", "1", "2") + _pick(rng, "", ".0", ".1")
    release = ".".join(_pick(rng, "0", "1", "2", "10") for _ in range(3))
    if roll < 0.4:
        stamp = f"20{rng.randint(18, 24)}{rng.randint(1, 12):02d}{rng.randint(10, 28)}"
        stamp += f"{rng.randint(0, 23):02d}0000"
        commit = _pick(rng, "daa7c04131f5", "0123456789ab", "abcdefabcdef")
        base = _pick(rng, "v0.0.0-", f"v{release}-0.", f"v{release}-pre.0.")
        return f"{base}{stamp}-{commit}"
    version = "v" + release
    if rng.random() < 0.3:
        version += "-" + _pick(rng, "rc.1", "beta", "alpha.2", "0", "rc.10")
    if rng.random() < 0.2:
        version += "+incompatible"
    return version
