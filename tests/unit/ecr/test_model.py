"""The shipped model is botocore's, trimmed: it must not drift."""

from __future__ import annotations

import json

from botocore.loaders import Loader

from seawall.ecr.model import MODEL_PATH, load_model, trim_service_model


def _botocore_model() -> dict:
    return Loader().load_service_model("ecr", "service-2")


def test_shipped_model_equals_a_fresh_trim_of_botocore() -> None:
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    fresh = json.loads(json.dumps(trim_service_model(_botocore_model())))
    assert shipped == fresh, "regenerate with: python -m seawall.ecr.model"


def test_model_knows_every_botocore_operation_and_error() -> None:
    model = load_model()
    raw = _botocore_model()
    assert all(model.has_operation(name) for name in raw["operations"])
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
