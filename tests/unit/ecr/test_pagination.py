"""Pages follow maxResults/nextToken and end without a token."""

from __future__ import annotations

import pytest

from seawall.ecr.errors import EcrError
from seawall.ecr.pagination import paginate


def _walk(items: list[str], page_size: int, **filters: str) -> list[list[str]]:
    pages: list[list[str]] = []
    token = None
    while True:
        params = {"maxResults": page_size, **filters}
        if token:
            params["nextToken"] = token
        page = paginate(items, str, params, "ListImages:app")
        pages.append(page.items)
        token = page.next_token
        if token is None:
            return pages


def test_pages_cover_every_item_once_in_order() -> None:
    items = [f"item-{n:03d}" for n in range(25)][::-1]
    pages = _walk(items, 10)
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [item for page in pages for item in page] == sorted(items)


def test_exact_multiple_ends_without_an_empty_page() -> None:
    assert [len(p) for p in _walk([str(n) for n in range(20)], 10)] == [10, 10]


def test_default_page_is_100_and_output_omits_the_token_at_the_end() -> None:
    page = paginate([f"{n:04d}" for n in range(150)], str, {}, "s")
    assert len(page.items) == 100
    rest = paginate(
        [f"{n:04d}" for n in range(150)], str, {"nextToken": page.next_token}, "s"
    )
    assert "nextToken" not in rest.output("ids", str)


def test_items_removed_between_pages_do_not_shift_the_next_page() -> None:
    items = [f"{n:02d}" for n in range(6)]
    first = paginate(items, str, {"maxResults": 3}, "s")
    remaining = [i for i in items if i != "01"]
    second = paginate(
        remaining, str, {"maxResults": 3, "nextToken": first.next_token}, "s"
    )
    assert second.items == ["03", "04", "05"]


@pytest.mark.parametrize("token", ["garbage!", "eyJzIjoieCIsImsiOiIxIn0"])
def test_foreign_or_garbled_tokens_are_invalid_parameters(token: str) -> None:
    with pytest.raises(EcrError) as info:
        paginate(["a"], str, {"nextToken": token}, "s")
    assert info.value.code == "InvalidParameterException"
    assert "nextToken" in info.value.message


def test_a_token_is_bound_to_its_filters() -> None:
    first = paginate(["a", "b"], str, {"maxResults": 1, "filter": "x"}, "s")
    with pytest.raises(EcrError):
        paginate(["a", "b"], str, {"nextToken": first.next_token, "filter": "y"}, "s")
