"""Maven version ordering: the rules of Maven's ComparableVersion.

A version is lower-cased and cut into items at ``.``, at ``-`` and at each
change between digits and letters. Numbers compare as numbers; strings are
qualifiers ordered ``alpha < beta < milestone < rc = cr < snapshot <
"" = ga = final = release < sp`` and then any other string
alphabetically; ``a1``,
``b1`` and ``m1`` mean alpha, beta and milestone 1. A ``-`` or a
digit/letter change opens a sub-list, which sorts below a number and above
a qualifier at the same position. Trailing zeros, empty qualifiers and empty
lists are dropped, so ``1``, ``1.0``, ``1-ga`` and ``1.0.0-final`` are equal.
A qualifier that follows other items opens a sub-list (``1.0.RC1`` reads as
``1.0-RC1``). Missing items compare like 0, or like the release qualifier.
This is the behaviour of the Maven 3.8.7 artifact jar Debian ships (which
carries the later ``release`` alias and MNG-6964 fixes), the reference the
differential tests run against.

ComparableVersion accepts any string, so every string is valid here too,
except the empty one.
"""

from __future__ import annotations

from functools import total_ordering
from typing import Any

from seawall.scan.versions.interface import KeyedScheme

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_RELEASE = _QUALIFIERS.index("")
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_SHORT = {"a": "alpha", "b": "beta", "m": "milestone"}

INT, STR, LIST = "i", "s", "l"
Item = tuple[str, int] | tuple[str, str] | tuple[str, "tuple[Item, ...]"]


def _qualifier_rank(value: str) -> tuple[int, str]:
    if value in _QUALIFIERS:
        return (_QUALIFIERS.index(value), "")
    return (len(_QUALIFIERS), value)


def _string_item(value: str, followed_by_digit: bool) -> Item:
    if followed_by_digit and value in _SHORT:
        value = _SHORT[value]
    return (STR, _ALIASES.get(value, value))


def _is_null(item: Item) -> bool:
    kind, value = item
    if kind == INT:
        return value == 0
    if kind == STR:
        return _qualifier_rank(str(value)) == (_RELEASE, "")
    return len(value) == 0  # type: ignore[arg-type]


def _normalize(items: list[Item]) -> tuple[Item, ...]:
    """Drops null items from the end, looking through trailing sub-lists."""
    index = len(items) - 1
    while index >= 0:
        if _is_null(items[index]):
            del items[index]
        elif items[index][0] != LIST:
            break
        index -= 1
    return tuple(items)


def _sign(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def _compare_null(item: Item) -> int:
    """How ``item`` compares with a missing item."""
    kind, value = item
    if kind == INT:
        return _sign(value, 0)
    if kind == STR:
        return _sign(_qualifier_rank(str(value)), (_RELEASE, ""))
    # A sub-list compares all its items with "missing" (MNG-6964).
    for child in value:  # type: ignore[union-attr]
        result = _compare_null(child)  # type: ignore[arg-type]
        if result:
            return result
    return 0


def compare_items(a: Item, b: Item) -> int:
    """ComparableVersion's ordering of two items of any kind."""
    (kind_a, value_a), (kind_b, value_b) = a, b
    if kind_a != kind_b:
        # Numbers beat sub-lists, which beat qualifiers.
        order = {STR: 0, LIST: 1, INT: 2}
        return _sign(order[kind_a], order[kind_b])
    if kind_a == INT:
        return _sign(value_a, value_b)
    if kind_a == STR:
        return _sign(_qualifier_rank(str(value_a)), _qualifier_rank(str(value_b)))
    return compare_lists(value_a, value_b)  # type: ignore[arg-type]


def compare_lists(left: tuple[Item, ...], right: tuple[Item, ...]) -> int:
    """Item by item, a missing item comparing as described above."""
    for index in range(max(len(left), len(right))):
        if index >= len(left):
            result = -_compare_null(right[index])
        elif index >= len(right):
            result = _compare_null(left[index])
        else:
            result = compare_items(left[index], right[index])
        if result:
            return result
    return 0


class _Builder:
    """The item tree of one version, built as ComparableVersion parses it."""

    def __init__(self) -> None:
        self.root: list[Any] = []
        self.current = self.root

    def add(self, is_digit: bool, text: str, followed_by_digit: bool = False) -> None:
        if is_digit:
            self.current.append((INT, int(text)))
        else:
            self.current.append(_string_item(text, followed_by_digit))

    def add_zero(self) -> None:
        self.current.append((INT, 0))

    def open_list_after_items(self) -> None:
        """A qualifier after other items starts a sub-list: .RC1 reads as -RC1."""
        if self.current:
            self.open_list()

    def open_list(self) -> None:
        child: list[Any] = []
        self.current.append((LIST, child))
        self.current = child


def _freeze(items: list[Any]) -> tuple[Item, ...]:
    """Normalizes sub-lists before their parents, as Maven's stack does."""
    frozen: list[Item] = []
    for kind, value in items:
        frozen.append((kind, _freeze(value)) if kind == LIST else (kind, value))
    return _normalize(frozen)


def parse_items(version: str) -> tuple[Item, ...]:
    """The normalized item tree of a Maven version string."""
    text, tree = version.lower(), _Builder()
    is_digit, start = False, 0
    for i, char in enumerate(text):
        if char in ".-":
            if i == start:
                tree.add_zero()
            else:
                tree.add(is_digit, text[start:i])
            start = i + 1
            if char == "-":
                tree.open_list()
        elif char.isdecimal():
            if not is_digit and i > start:
                tree.open_list_after_items()
                tree.add(False, text[start:i], followed_by_digit=True)
                start = i
                tree.open_list()
            is_digit = True
        else:
            if is_digit and i > start:
                tree.add(True, text[start:i])
                start = i
                tree.open_list()
            is_digit = False
    if len(text) > start:
        if not is_digit:
            tree.open_list_after_items()
        tree.add(is_digit, text[start:])
    return _freeze(tree.root)


def canonical(items: tuple[Item, ...]) -> str:
    """ComparableVersion's canonical string of an item tree."""
    parts: list[str] = []
    for kind, value in items:
        if parts:
            parts.append("-" if kind == LIST else ".")
        parts.append(canonical(value) if kind == LIST else str(value))  # type: ignore[arg-type]
    return "".join(parts)


@total_ordering
class MavenKey:
    """A parsed Maven version: ordered by ComparableVersion, hashed by its
    canonical form (ComparableVersion's own equality)."""

    __slots__ = ("_hash", "items")

    def __init__(self, items: tuple[Item, ...]) -> None:
        self.items = items
        self._hash = hash(canonical(items))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MavenKey):
            return NotImplemented
        return compare_lists(self.items, other.items) == 0

    def __lt__(self, other: MavenKey) -> bool:
        return compare_lists(self.items, other.items) < 0

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"MavenKey({canonical(self.items)!r})"


class MavenScheme(KeyedScheme):
    """Maven artifact versions as Maven's ComparableVersion orders them."""

    name = "Maven"

    def _key(self, version: str) -> Any:
        text = version.strip()
        if not text or any(c.isspace() for c in text):
            raise ValueError("empty or contains blanks")
        return MavenKey(parse_items(text))
