"""Server-side validation of every constraint botocore leaves to the server."""

from __future__ import annotations

import base64

import pytest

from seawall.ecr.errors import EcrError
from seawall.ecr.model import load_model
from seawall.ecr.validation import parse_input

MODEL = load_model()


def _error(operation: str, body: object) -> EcrError:
    with pytest.raises(EcrError) as info:
        parse_input(MODEL, operation, body)
    return info.value


@pytest.mark.parametrize(
    ("operation", "body", "field", "constraint"),
    [
        (
            "CreateRepository",
            {"repositoryName": "x" * 257},
            "repositoryName",
            "less than or equal to 256",
        ),
        (
            "CreateRepository",
            {"repositoryName": "Upper"},
            "repositoryName",
            "regular expression",
        ),
        (
            "CreateRepository",
            {"repositoryName": "ok", "imageTagMutability": "SOMETIMES"},
            "imageTagMutability",
            "enum value set",
        ),
        (
            "CreateRepository",
            {
                "repositoryName": "ok",
                "encryptionConfiguration": {"encryptionType": "ROT13"},
            },
            "encryptionConfiguration.encryptionType",
            "enum value set",
        ),
        (
            "CreateRepository",
            {
                "repositoryName": "ok",
                "imageTagMutabilityExclusionFilters": [
                    {"filterType": "WILDCARD", "filter": "ok*"},
                    {"filterType": "WILDCARD", "filter": "bad filter"},
                ],
            },
            "imageTagMutabilityExclusionFilters.2.filter",
            "regular expression",
        ),
        (
            "DescribeRepositories",
            {"maxResults": 1001},
            "maxResults",
            "less than or equal to 1000",
        ),
        (
            "DescribeRepositories",
            {"maxResults": 0},
            "maxResults",
            "greater than or equal to 1",
        ),
        (
            "DescribeRepositories",
            {"registryId": "12345"},
            "registryId",
            "regular expression",
        ),
        (
            "BatchGetImage",
            {"repositoryName": "ok", "imageIds": [{"imageTag": "a"}] * 101},
            "imageIds",
            "less than or equal to 100",
        ),
        (
            "BatchGetImage",
            {"repositoryName": "ok", "imageIds": []},
            "imageIds",
            "greater than or equal to 1",
        ),
        (
            "PutImage",
            {"repositoryName": "ok", "imageManifest": "{}", "imageTag": "t" * 301},
            "imageTag",
            "less than or equal to 300",
        ),
        ("CreateRepository", {}, "repositoryName", "must not be null"),
        ("DescribeRepositories", {"maxResults": "10"}, "maxResults", "integer"),
        ("DescribeRepositories", {"maxResults": True}, "maxResults", "integer"),
        (
            "UploadLayerPart",
            {
                "repositoryName": "ok",
                "uploadId": "not-a-uuid",
                "partFirstByte": 0,
                "partLastByte": 0,
                "layerPartBlob": "AA==",
            },
            "uploadId",
            "regular expression",
        ),
        (
            "UploadLayerPart",
            {
                "repositoryName": "ok",
                "uploadId": "0b9c5f4e-0000-4000-8000-000000000000",
                "partFirstByte": 0,
                "partLastByte": 0,
                "layerPartBlob": "***",
            },
            "layerPartBlob",
            "base64",
        ),
        (
            "GetAuthorizationToken",
            {"registryIds": ["000000000000"] * 11},
            "registryIds",
            "less than or equal to 10",
        ),
    ],
)
def test_constraint_violations_name_the_field(
    operation: str, body: dict, field: str, constraint: str
) -> None:
    error = _error(operation, body)
    assert error.code == "InvalidParameterException"
    assert f"Invalid parameter at '{field}'" in error.message
    assert constraint in error.message
    assert error.status == 400


def test_a_non_object_body_is_a_serialization_error() -> None:
    assert _error("DescribeRepositories", ["a"]).code == "SerializationException"


def test_valid_input_is_converted_and_unknown_members_ignored() -> None:
    blob = base64.b64encode(b"layer bytes").decode()
    parsed = parse_input(
        MODEL,
        "UploadLayerPart",
        {
            "repositoryName": "team/app",
            "uploadId": "0b9c5f4e-0000-4000-8000-000000000000",
            "partFirstByte": 0,
            "partLastByte": 10,
            "layerPartBlob": blob,
            "future": 1,
        },
    )
    assert parsed["layerPartBlob"] == b"layer bytes"
    assert "future" not in parsed


def test_structures_in_lists_are_kept() -> None:
    walker_input = {"repositoryName": "ok", "imageIds": [{"imageTag": "v1"}]}
    assert parse_input(MODEL, "BatchGetImage", walker_input)["imageIds"] == [
        {"imageTag": "v1"}
    ]


def test_nulls_count_as_absent() -> None:
    parsed = parse_input(MODEL, "DescribeRepositories", {"nextToken": None})
    assert parsed == {}
