"""Path rules for untrusted layer entries.

Every path inside an image is kept in one canonical form: absolute, with no
``.``, ``..`` or empty components. A tar name that climbs above the root is
rejected rather than clamped, since no honest image builder writes one.
"""

from __future__ import annotations

import posixpath

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"


def normalize(name: str) -> str | None:
    """The canonical form of a tar member name, or None if it escapes."""
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            return None
        parts.append(part)
    return "/" + "/".join(parts)


def symlink_escapes(path: str, target: str) -> bool:
    """Whether a relative symlink at ``path`` climbs above the image root.

    Absolute targets are read inside the image root, as a container runtime
    would, so they cannot escape.
    """
    if target.startswith("/"):
        return False
    depth = path.count("/") - 1
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def is_under(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` itself or inside it."""
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def whiteout_target(path: str) -> tuple[str, bool] | None:
    """For a whiteout entry, the path it deletes and whether it is opaque."""
    directory, base = posixpath.split(path)
    if base == OPAQUE_MARKER:
        return directory, True
    if base.startswith(WHITEOUT_PREFIX):
        return posixpath.join(directory, base[len(WHITEOUT_PREFIX) :]), False
    return None
