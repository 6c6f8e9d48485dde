"""Pieces of the request pipeline that need no server."""

from __future__ import annotations

from datetime import UTC, datetime

from seawall.ecr.protocol import audit_parameters
from seawall.ecr.wire import epoch, to_wire


def test_audit_keeps_intent_and_drops_content() -> None:
    params = {
        "repositoryName": "team/app",
        "imageTag": "v1",
        "imageManifest": '{"schemaVersion": 2}',
        "layerPartBlob": b"\x00" * 10,
        "policyText": "{}",
        "lifecyclePolicyText": "{}",
        "imageIds": [{"imageTag": f"t{n}"} for n in range(5)],
        "layerDigests": ["sha256:" + "a" * 64] * 100,
    }
    kept = audit_parameters(params)
    assert kept == {"imageTag": "v1", "imageIds": params["imageIds"]}


def test_wire_values_are_epoch_numbers_without_nulls() -> None:
    moment = datetime(2025, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert epoch(moment) == 1735689600.123
    assert epoch(moment.replace(tzinfo=None)) == 1735689600.123
    assert to_wire({"a": moment, "b": None, "c": [b"hi", {"d": None}]}) == {
        "a": 1735689600.123,
        "c": ["aGk=", {}],
    }
