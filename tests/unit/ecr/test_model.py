"""The shipped model is botocore's, trimmed: it must not drift."""

from __future__ import annotations

import json

import botocore
from botocore.loaders import Loader

from seawall.ecr.model import ServiceModel, load_model, trim_service_model
from seawall.ecr.operations import load_operations


def _botocore_model() -> ServiceModel:
    raw = Loader().load_service_model("ecr", "service-2")
    return ServiceModel(json.loads(json.dumps(trim_service_model(raw))))


def test_model_matches_the_installed_botocore() -> None:
    """Equal to botocore's when generated from this release; otherwise every
    implemented operation's input and output shapes must still be equal
    (a newer botocore may add operations, never silently change ours).
    Regenerate with ``python -m seawall.ecr.model``."""
    shipped, fresh = load_model(), _botocore_model()
    if shipped.generated_from == f"botocore {botocore.__version__}":
        shipped_raw = dict(shipped.raw, metadata=dict(shipped.raw["metadata"]))
        del shipped_raw["metadata"]["generatedFrom"]
        assert shipped_raw == fresh.raw
        return
    for name in load_operations():
        for shape in (shipped.input_shape(name), shipped.output_shape(name)):
            assert shape is not None
            assert shipped.closure(shape) == fresh.closure(shape), name


def test_model_knows_every_botocore_operation_and_error() -> None:
    model = load_model()
    assert all(model.has_operation(name) for name in load_operations())
    errors = model.error_shapes()
    assert "RepositoryNotFoundException" in errors
    assert errors["ServerException"].get("fault") is True
    assert model.target_prefix == "AmazonEC2ContainerRegistry_V20150921"


def test_trim_drops_documentation_but_keeps_constraints() -> None:
    model = load_model()
    name = model.shape("RepositoryName")
    assert name["min"] == 2
    assert name["max"] == 256
    assert "documentation" not in name
    assert model.shape("CreateRepositoryRequest")["required"] == ["repositoryName"]
    assert "ImageIdentifier" in model.closure("BatchGetImageRequest")
