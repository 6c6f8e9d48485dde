"""Repository names, tags and image references, per the distribution spec."""

from __future__ import annotations

import re
from dataclasses import dataclass

from seawall.errors import NameInvalid, TagInvalid
from seawall.oci.digest import Digest

# <name> grammar from the OCI distribution spec, with the 255-character cap
# that registries apply to the whole name.
_NAME = re.compile(
    r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$"
)
_TAG = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")
MAX_NAME_LENGTH = 255


def validate_name(name: str) -> str:
    """Return ``name`` if it is a valid repository name, else raise NameInvalid."""
    if not name or len(name) > MAX_NAME_LENGTH or not _NAME.match(name):
        raise NameInvalid(f"invalid repository name {name!r}")
    return name


def validate_tag(tag: str) -> str:
    if not _TAG.match(tag):
        raise TagInvalid(f"invalid tag {tag!r}")
    return tag


def is_digest_reference(reference: str) -> bool:
    return ":" in reference


@dataclass(frozen=True, slots=True)
class ImageReference:
    """``[host[:port]/]repository[:tag][@digest]``."""

    host: str | None
    repository: str
    tag: str | None
    digest: Digest | None

    @classmethod
    def parse(cls, value: str) -> ImageReference:
        rest, digest = value, None
        if "@" in rest:
            rest, _, raw_digest = rest.partition("@")
            digest = Digest.parse(raw_digest)
        host = None
        first, sep, remainder = rest.partition("/")
        if sep and ("." in first or ":" in first or first == "localhost"):
            host, rest = first, remainder
        tag = None
        if ":" in rest.rpartition("/")[2]:
            rest, _, tag = rest.rpartition(":")
            validate_tag(tag)
        validate_name(rest)
        return cls(host, rest, tag, digest)

    @property
    def reference(self) -> str:
        """The tag or digest to fetch (digest wins), defaulting to latest."""
        if self.digest is not None:
            return str(self.digest)
        return self.tag or "latest"
