"""Every error renders as botocore parses it: code, message, status."""

from __future__ import annotations

import json

import pytest
from botocore.parsers import create_parser

from seawall import errors as domain
from seawall.ecr.errors import EcrError, from_domain, invalid_parameter
from seawall.ecr.model import load_model


def _parse(error: EcrError) -> dict:
    parser = create_parser("json")
    response = {
        "status_code": error.status,
        "headers": {"x-amzn-requestid": "r-1"},
        "body": json.dumps(error.body()).encode(),
    }
    return parser.parse(response, None)


@pytest.mark.parametrize("code", sorted(load_model().error_shapes()))
def test_every_modeled_exception_round_trips_through_botocore(code: str) -> None:
    error = EcrError(code, "invalid something happened")
    parsed = _parse(error)
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == "invalid something happened"
    assert error.status == (500 if code == "ServerException" else 400)


def test_extra_fields_ride_along() -> None:
    error = EcrError(
        "InvalidLayerPartException", "invalid part", fields={"lastValidByteReceived": 9}
    )
    assert error.body()["lastValidByteReceived"] == 9


def test_invalid_parameter_names_the_field() -> None:
    parsed = _parse(invalid_parameter("repositoryName", "too long"))
    assert parsed["Error"]["Code"] == "InvalidParameterException"
    assert "'repositoryName'" in parsed["Error"]["Message"]


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (
            domain.NameUnknown("failed to find repository"),
            "RepositoryNotFoundException",
        ),
        (domain.ManifestUnknown("failed to find image"), "ImageNotFoundException"),
        (
            domain.TagImmutable("invalid tag: immutable"),
            "ImageTagAlreadyExistsException",
        ),
        (domain.TagInvalid("invalid tag"), "InvalidParameterException"),
        (domain.UploadUnknown("failed to find upload"), "UploadNotFoundException"),
        (domain.AccessDenied("denied"), "AccessDeniedException"),
        (domain.IntegrityError("failed to verify"), "ServerException"),
    ],
)
def test_domain_errors_translate(exc: domain.SeawallError, code: str) -> None:
    assert from_domain(exc).code == code


def test_overrides_win() -> None:
    exc = domain.DigestInvalid("invalid digest")
    assert from_domain(exc, {domain.DigestInvalid: "InvalidLayerException"}).code == (
        "InvalidLayerException"
    )
