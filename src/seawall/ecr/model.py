"""The ECR service model Seawall validates requests against.

``model.json`` beside this module is a trimmed copy of botocore's
``data/ecr/2015-09-21/service-2.json``: operations (input, output, errors)
and shapes with their types, members and constraints, documentation
removed. Shipping it keeps botocore out of the runtime dependencies (it is
a 13 MB package the server would use for one file) while the unit test
``tests/unit/ecr/test_model.py`` regenerates the trim from the installed
botocore and fails when the shipped copy drifts.

Regenerate after a botocore upgrade with ``python -m seawall.ecr.model``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("model.json")

# Shape keys that matter on the wire; everything else is documentation.
_SHAPE_KEYS = (
    "type",
    "required",
    "min",
    "max",
    "pattern",
    "enum",
    "exception",
    "fault",
    "member",
    "key",
    "value",
)
_METADATA_KEYS = (
    "apiVersion",
    "jsonVersion",
    "protocol",
    "signingName",
    "targetPrefix",
    "uid",
)


def trim_service_model(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep only what validation and dispatch need from a botocore model."""
    shapes: dict[str, Any] = {}
    for name, shape in raw["shapes"].items():
        kept = {key: shape[key] for key in _SHAPE_KEYS if key in shape}
        for key in ("member", "key", "value"):
            if key in kept:
                kept[key] = {"shape": kept[key]["shape"]}
        if "members" in shape:
            kept["members"] = {
                member: {"shape": spec["shape"]}
                for member, spec in shape["members"].items()
            }
        shapes[name] = kept
    operations = {
        name: {key: op[key] for key in ("input", "output", "errors") if key in op}
        for name, op in raw["operations"].items()
    }
    metadata = {key: raw["metadata"][key] for key in _METADATA_KEYS}
    return {"metadata": metadata, "operations": operations, "shapes": shapes}


@dataclass(frozen=True)
class ServiceModel:
    """Read access to the trimmed model."""

    raw: dict[str, Any]

    @property
    def generated_from(self) -> str:
        """The botocore release the model was trimmed from."""
        return str(self.raw["metadata"].get("generatedFrom", ""))

    def closure(self, shape: str) -> dict[str, Any]:
        """``shape`` and every shape it references, by name."""
        found: dict[str, Any] = {}
        pending = [shape]
        while pending:
            name = pending.pop()
            if name in found:
                continue
            spec = found[name] = self.shape(name)
            refs = [m["shape"] for m in spec.get("members", {}).values()]
            refs += [spec[k]["shape"] for k in ("member", "key", "value") if k in spec]
            pending += refs
        return found

    @property
    def target_prefix(self) -> str:
        return str(self.raw["metadata"]["targetPrefix"])

    def has_operation(self, name: str) -> bool:
        return name in self.raw["operations"]

    def input_shape(self, operation: str) -> str | None:
        spec = self.raw["operations"][operation].get("input")
        return None if spec is None else str(spec["shape"])

    def output_shape(self, operation: str) -> str | None:
        spec = self.raw["operations"][operation].get("output")
        return None if spec is None else str(spec["shape"])

    def shape(self, name: str) -> dict[str, Any]:
        shape: dict[str, Any] = self.raw["shapes"][name]
        return shape

    def error_shapes(self) -> dict[str, dict[str, Any]]:
        """Every modeled exception shape by name."""
        return {
            name: shape
            for name, shape in self.raw["shapes"].items()
            if shape.get("exception")
        }


@cache
def load_model() -> ServiceModel:
    """The shipped model, parsed once per process."""
    return ServiceModel(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def _regenerate() -> None:
    import botocore
    from botocore.loaders import Loader

    raw = Loader().load_service_model("ecr", "service-2")
    trimmed = trim_service_model(raw)
    trimmed["metadata"]["generatedFrom"] = f"botocore {botocore.__version__}"
    text = json.dumps(trimmed, indent=1, sort_keys=True)
    MODEL_PATH.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    _regenerate()
