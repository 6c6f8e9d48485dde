"""Arbitrary text never escapes as anything but InvalidInput.

The matcher feeds the schemes whatever images and feeds contain; a version
or constraint a scheme cannot read must come back as InvalidInput, never as
another exception.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.errors import InvalidInput
from seawall.scan.versions import (
    ECOSYSTEMS,
    get_scheme,
    satisfies_constraint,
    satisfies_npm_range,
)

# Mostly the characters versions and ranges are made of, plus anything.
_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("0123456789.-+~^_:abcrvxXpR*=<>!|,[]() "),
        st.characters(),
    ),
    max_size=30,
)
_SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None)


def _outcome(call: Callable[[], object]) -> object:
    """What ``call`` returns, or the message of the InvalidInput it raises."""
    try:
        return call()
    except InvalidInput as exc:
        return exc.message


def _clean(outcome: object, answers: tuple[object, ...]) -> bool:
    if isinstance(outcome, str):
        return outcome.startswith("invalid ")
    return outcome in answers


_CONSTRAINT_ECOSYSTEMS = [
    "Packagist",
    "RubyGems",
    "Maven",
    "NuGet",
    "PyPI",
    "crates.io",
]


@pytest.mark.parametrize("ecosystem", sorted(ECOSYSTEMS))
def test_parse_refuses_garbage_cleanly(ecosystem: str) -> None:
    scheme = get_scheme(ecosystem)

    @_SETTINGS
    @given(a=_TEXT, b=_TEXT)
    def check(a: str, b: str) -> None:
        assert _clean(_outcome(lambda: scheme.compare(a, b)), (-1, 0, 1))
        assert scheme.is_valid(a) in (True, False)

    check()


@pytest.mark.parametrize("ecosystem", _CONSTRAINT_ECOSYSTEMS)
def test_constraints_refuse_garbage_cleanly(ecosystem: str) -> None:
    @_SETTINGS
    @given(version=st.sampled_from(["1.0.0", "2.1", "0.9.1-beta"]), text=_TEXT)
    def check(version: str, text: str) -> None:
        outcome = _outcome(lambda: satisfies_constraint(ecosystem, version, text))
        assert _clean(outcome, (True, False))

    check()


@_SETTINGS
@given(text=_TEXT)
def test_npm_ranges_refuse_garbage_cleanly(text: str) -> None:
    assert _clean(_outcome(lambda: satisfies_npm_range("1.2.3", text)), (True, False))
