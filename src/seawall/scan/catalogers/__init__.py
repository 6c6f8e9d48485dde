"""Catalogers: one module per package format, chosen by name.

:data:`DEFAULT` lists every cataloger's name; :func:`build` makes instances.
"""

from __future__ import annotations

import importlib

from seawall.errors import Unsupported
from seawall.scan.catalogers.interface import Cataloger

# name -> (module, class)
_REGISTRY: dict[str, tuple[str, str]] = {
    "os-release": ("osrelease", "OSReleaseCataloger"),
    "dpkg": ("dpkg", "DpkgCataloger"),
    "apk": ("apk", "ApkCataloger"),
    "rpm": ("rpm", "RpmCataloger"),
    "python": ("python", "PythonCataloger"),
    "npm": ("npm", "NpmCataloger"),
    "go-binary": ("gobinary", "GoBinaryCataloger"),
    "java-archive": ("java", "JavaCataloger"),
    "rust": ("rust", "RustCataloger"),
    "ruby": ("ruby", "RubyCataloger"),
    "php": ("php", "PhpCataloger"),
    "dotnet": ("dotnet", "DotnetCataloger"),
}

DEFAULT: tuple[str, ...] = tuple(_REGISTRY)


def build(names: tuple[str, ...] = DEFAULT) -> list[Cataloger]:
    """Instances of the named catalogers; raises Unsupported for an unknown name."""
    out = []
    for name in names:
        if name not in _REGISTRY:
            raise Unsupported(f"unsupported cataloger {name!r}")
        module_name, class_name = _REGISTRY[name]
        module = importlib.import_module(f"seawall.scan.catalogers.{module_name}")
        out.append(getattr(module, class_name)())
    return out
