"""Version constraints in the syntax each ecosystem's advisories use.

* Packagist: Composer constraints (FriendsOfPHP ``branches.*.versions`` such
  as ``>=1.0,<1.2``; also ``||``, ``~``, ``^``, ``1.2.*`` and hyphen ranges)
* RubyGems: Gem::Requirement strings (``~> 1.2.3``, ``>= 2.0, < 2.1``)
* Maven and NuGet: interval ranges (``[1.0,2.0)``, ``(,1.0],[1.2,)``); a
  bare version means that version in Maven and that version or newer in
  NuGet, as each tool reads it
* npm: node-semver ranges; crates.io: Cargo requirements (a bare version
  is a caret requirement); PyPI: PEP 440 specifiers
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from seawall.errors import InvalidInput, Unsupported
from seawall.scan.versions import composer, rubygems
from seawall.scan.versions.interface import KeyedScheme
from seawall.scan.versions.maven import MavenScheme
from seawall.scan.versions.npm_range import satisfies_npm_range
from seawall.scan.versions.nuget import NugetScheme
from seawall.scan.versions.pep440 import Pep440Scheme
from seawall.scan.versions.rubygems import RubyGemsScheme

_MAVEN, _NUGET = MavenScheme(), NugetScheme()
_PEP440, _GEMS = Pep440Scheme(), RubyGemsScheme()
_COMPOSER = composer.ComposerScheme()


def _bad(kind: str, constraint: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"invalid {kind} constraint {constraint!r}: {reason}",
        detail={"constraint": constraint},
    )


def _holds(order: int, op: str) -> bool:
    """Whether ``compare(version, bound) == order`` satisfies ``op``."""
    return {
        "<": order < 0,
        "<=": order <= 0,
        ">": order > 0,
        ">=": order >= 0,
        "=": order == 0,
        "==": order == 0,
        "!=": order != 0,
        "<>": order != 0,
    }[op]


# Interval ranges: Maven and NuGet.

_INTERVAL = re.compile(r"([\[(])([^\[\]()]*)([\])])")


@dataclass(frozen=True, slots=True)
class Interval:
    """One interval of a Maven or NuGet range; None is an open end."""

    low: str | None
    low_inclusive: bool
    high: str | None
    high_inclusive: bool

    def contains(self, scheme: KeyedScheme, version: str) -> bool:
        """Whether ``version`` lies inside, by ``scheme``'s ordering."""
        if self.low is not None:
            low_op = ">=" if self.low_inclusive else ">"
            if not _holds(scheme.compare(version, self.low), low_op):
                return False
        if self.high is None:
            return True
        high_op = "<=" if self.high_inclusive else "<"
        return _holds(scheme.compare(version, self.high), high_op)


def _interval(scheme: KeyedScheme, match: re.Match[str]) -> Interval:
    """One bracketed interval, refused where Maven's VersionRange refuses it."""
    opening, body, closing = match.groups()
    bounds = body.split(",")
    if len(bounds) == 1:
        if (opening, closing) != ("[", "]") or not bounds[0]:
            raise ValueError(f"a single version must be written [v], not {body!r}")
        return Interval(bounds[0], True, bounds[0], True)
    if len(bounds) != 2:
        raise ValueError(f"{match.group()} has more than two bounds")
    low, high = bounds
    interval = Interval(low or None, opening == "[", high or None, closing == "]")
    order = scheme.compare(high, low) if low and high else 1
    if order < 0 or (
        order == 0 and not (interval.low_inclusive and interval.high_inclusive)
    ):
        raise ValueError(f"{match.group()} defies version ordering")
    return interval


def parse_intervals(scheme: KeyedScheme, constraint: str) -> list[Interval]:
    """The intervals of ``(,1.0],[1.2,)``; ValueError when malformed."""
    text = re.sub(r"\s+", "", constraint)
    intervals = [_interval(scheme, m) for m in _INTERVAL.finditer(text)]
    if not intervals or _INTERVAL.sub("", text).strip(","):
        raise ValueError("not a list of [a,b) ranges")
    for before, after in itertools.pairwise(intervals):
        if before.high is not None and (
            after.low is None or scheme.compare(after.low, before.high) < 0
        ):
            raise ValueError("ranges overlap or are out of order")
    return intervals


def _satisfies_intervals(
    scheme: KeyedScheme, version: str, constraint: str, bare_op: str
) -> bool:
    text = constraint.strip()
    if not text:
        raise _bad(scheme.name, constraint, "empty")
    if text[0] not in "[(":
        return _holds(scheme.compare(version, text), bare_op)
    try:
        intervals = parse_intervals(scheme, text)
    except ValueError as exc:
        raise _bad(scheme.name, constraint, str(exc)) from exc
    return any(i.contains(scheme, version) for i in intervals)


# RubyGems requirements.

_GEM_REQUIREMENT = re.compile(r"\s*(=|!=|>=|<=|>|<|~>)?\s*([0-9][0-9A-Za-z.-]*)\s*")


def _gem_holds(version: str, op: str, bound: str) -> bool:
    if op != "~>":
        return _holds(_GEMS.compare(version, bound), op)
    release = rubygems.key_of_segments(rubygems.release(version))
    upper = rubygems.key_of_segments(rubygems.bump(bound))
    return _GEMS.compare(version, bound) >= 0 and release < upper


def _satisfies_gem(version: str, constraint: str) -> bool:
    for part in constraint.split(","):
        match = _GEM_REQUIREMENT.fullmatch(part)
        if match is None or not _GEMS.is_valid(match[2]):
            raise _bad("RubyGems", constraint, f"bad requirement {part.strip()!r}")
        if not _gem_holds(version, match[1] or "=", match[2]):
            return False
    return True


# Composer constraints.

_NUMBERS = r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?"
_TILDE_CARET = re.compile(rf"(~>?|\^)\s*{_NUMBERS}(?P<modifier>[-._]?[A-Za-z].*)?")
_WILDCARD = re.compile(r"v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")
_HYPHEN = re.compile(rf"(?P<low>\S+)\s+-\s+(?P<high>{_NUMBERS}(?P<mod>\S*))")
_OPERATOR = re.compile(r"(<>|!=|>=|<=|==|>|<|=)?\s*(\S+)")
_ANY = re.compile(r"v?[xX*](?:\.[xX*])*")

Bound = tuple[str, str]  # (operator, normalized version)


def _bump(numbers: list[int], position: int, increment: int) -> str:
    """Composer's manipulateVersionString: pad after ``position`` with 0."""
    parts = [n if i < position else 0 for i, n in enumerate(numbers)]
    parts[position - 1] += increment
    return ".".join(str(n) for n in parts)


def _numbers(groups: tuple[str | None, ...]) -> tuple[list[int], int]:
    """The four numbers (missing as 0) and how many were given."""
    given = [g for g in groups if g is not None and g not in "xX*"]
    return [int(g) for g in given] + [0] * (4 - len(given)), len(given)


def _tilde_caret(match: re.Match[str]) -> list[Bound]:
    numbers, given = _numbers(match.groups()[1:5])
    if match[1] == "^":
        nonzero = next((i + 1 for i, n in enumerate(numbers[:given]) if n), given)
        high = max(1, min(nonzero, given))
    else:
        high = max(1, given - 1)
    text = match.group()[len(match[1]) :].strip()
    low = composer.normalize(text) if match["modifier"] else _bump(numbers, 4, 0)
    low += "" if match["modifier"] else "-dev"
    return [(">=", low), ("<", _bump(numbers, high, 1) + "-dev")]


def _wildcard(match: re.Match[str]) -> list[Bound]:
    numbers, given = _numbers(match.groups())
    low = _bump(numbers, 4, 0) + "-dev"
    high = _bump(numbers, given, 1) + "-dev"
    return [("<", high)] if low == "0.0.0.0-dev" else [(">=", low), ("<", high)]


def _hyphen(match: re.Match[str]) -> list[Bound]:
    low = composer.normalize(match["low"])
    low += "" if "-" in low else "-dev"
    numbers, given = _numbers(match.groups()[2:6])
    if given == 4 or match["mod"]:
        return [(">=", low), ("<=", composer.normalize(match["high"]))]
    return [(">=", low), ("<", _bump(numbers, given, 1) + "-dev")]


def _simple(text: str) -> list[Bound]:
    tilde = _TILDE_CARET.fullmatch(text)
    if tilde is not None:
        return _tilde_caret(tilde)
    wildcard = _WILDCARD.fullmatch(text)
    if wildcard is not None and any(g and g in "xX*" for g in wildcard.groups()):
        return _wildcard(wildcard)
    match = _OPERATOR.fullmatch(text)
    if match is None:
        raise ValueError(f"bad constraint {text!r}")
    op, version = match[1] or "=", composer.normalize(match[2])
    if op in ("<", ">=") and "-" not in version:
        version += "-dev"
    return [(op, version)]


def composer_bounds(constraint: str) -> list[list[Bound]]:
    """Alternatives (``||``) of conjunctions (``,`` or blank) of bounds."""
    alternatives: list[list[Bound]] = []
    for text in re.split(r"\s*\|\|?\s*", constraint.strip()):
        alternative = re.sub(r"@(?:stable|RC|beta|alpha|dev)\b", "", text)
        hyphen = _HYPHEN.fullmatch(alternative)
        if hyphen is not None:
            alternatives.append(_hyphen(hyphen))
            continue
        joined = re.sub(r"(<>|!=|>=|<=|==|>|<|=|~>?|\^)\s+", r"\1", alternative)
        bounds: list[Bound] = []
        for part in re.split(r"\s*,\s*|\s+", joined.strip()):
            if not _ANY.fullmatch(part):
                bounds += _simple(part)
        alternatives.append(bounds)
    return alternatives


def _satisfies_composer(version: str, constraint: str) -> bool:
    key = _COMPOSER.parse(version)
    try:
        alternatives = composer_bounds(constraint)
    except ValueError as exc:
        raise _bad("Composer", constraint, str(exc)) from exc
    return any(
        all(
            _holds((key > composer.php_key(b)) - (key < composer.php_key(b)), op)
            for op, b in bounds
        )
        for bounds in alternatives
    )


# PyPI, crates.io and the dispatch.


def _satisfies_pep440(version: str, constraint: str) -> bool:
    try:
        specifiers = SpecifierSet(constraint)
    except InvalidSpecifier as exc:
        raise _bad("PEP 440", constraint, "not a specifier set") from exc
    kind, parsed = _PEP440.parse(version)
    if kind == 0:
        # TODO(seawall): PEP 440 specifiers cannot place a legacy version;
        # the matcher should compare it against range events instead.
        raise _bad("PEP 440", constraint, f"{version!r} is not a PEP 440 version")
    return specifiers.contains(parsed, prereleases=True)


def _satisfies_cargo(version: str, constraint: str) -> bool:
    parts = [p.strip() for p in constraint.split(",")]
    if not all(parts):
        raise _bad("crates.io", constraint, "empty requirement")
    # A bare version is a caret requirement; a wildcard (1.2.*) stays one.
    as_npm = " ".join(p if p[0] in "<>=~^*" or "*" in p else f"^{p}" for p in parts)
    return satisfies_npm_range(version, as_npm)


_BY_ECOSYSTEM: dict[str, Callable[[str, str], bool]] = {
    "Packagist": _satisfies_composer,
    "RubyGems": _satisfies_gem,
    "Maven": lambda v, c: _satisfies_intervals(_MAVEN, v, c, "="),
    "NuGet": lambda v, c: _satisfies_intervals(_NUGET, v, c, ">="),
    "npm": satisfies_npm_range,
    "crates.io": _satisfies_cargo,
    "PyPI": _satisfies_pep440,
}


def satisfies_constraint(ecosystem: str, version: str, constraint: str) -> bool:
    """Whether ``version`` meets ``constraint`` in ``ecosystem``'s syntax.

    Raises InvalidInput when the version or the constraint is malformed and
    Unsupported for an ecosystem without a constraint syntax here.
    """
    check = _BY_ECOSYSTEM.get(ecosystem.split(":", 1)[0])
    if check is None:
        raise Unsupported(f"unsupported constraint syntax for ecosystem {ecosystem!r}")
    return check(version, constraint)
