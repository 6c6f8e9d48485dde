"""End-of-life data from endoflife.date, in the three shapes it publishes:

* the API (``https://endoflife.date/api/<product>.json``): a list of cycles;
* release-data JSON (endoflife-date/release-data ``releases/<product>.json``):
  ``{"releases": {cycle: {...}}, "versions": {...}}``;
* the site's product pages (``products/<product>.md``): YAML front matter
  with ``releases[]`` (releaseCycle, eol, eoes, latest, codename).

The product is the file's stem. ``eol`` is kept as an ISO date, or
``true`` / ``false`` when the source gives a boolean.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seawall.scan.advisories.importers._common import load_json, load_yaml
from seawall.scan.advisories.model import EolCycle


class EolImporter:
    """endoflife.date API, release-data and product pages."""

    format = "eol"

    def detect(self, name: str, head: bytes) -> bool:
        lowered = name.lower()
        if lowered.endswith(".md"):
            return head.startswith(b"---") and b"releases:" in head
        if not lowered.endswith(".json"):
            return False
        return (b'"releases"' in head and b'"versions"' in head) or (
            head.lstrip().startswith(b"[") and b'"cycle"' in head
        )

    def parse(self, name: str, data: bytes) -> Iterator[EolCycle]:
        # "debian.json", "products/debian.md", or a download "eol-debian--debian.json"
        product = name.rsplit("/", 1)[-1].rsplit("--", 1)[-1].split(".", 1)[0].lower()
        if name.lower().endswith(".md"):
            yield from _front_matter(name, product, data)
            return
        doc = load_json(name, data)
        if isinstance(doc, list):
            for item in doc:
                yield _cycle(product, str(item.get("cycle", "")), item)
        elif isinstance(doc, dict):
            for key, item in (doc.get("releases") or {}).items():
                yield _cycle(product, str(item.get("name") or key), item)


def _front_matter(name: str, product: str, data: bytes) -> Iterator[EolCycle]:
    text = data.decode("utf-8", errors="replace")
    parts = text.split("\n---", 1)
    meta = load_yaml(name, parts[0].removeprefix("---").encode())
    for item in (meta or {}).get("releases") or ():
        yield _cycle(product, str(item.get("releaseCycle", "")), item)


def _cycle(product: str, cycle: str, item: dict[str, Any]) -> EolCycle:
    return EolCycle(
        product=product,
        cycle=cycle,
        eol=_date(item.get("eol")),
        eoes=_date(item.get("eoes", item.get("extendedSupport"))),
        release_date=_date(item.get("releaseDate")),
        latest=str(item.get("latest") or ""),
        codename=str(item.get("codename") or ""),
    )


def _date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:16]
