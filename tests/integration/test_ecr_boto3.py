"""boto3 against a live server: every operation, its errors, its paginators.

Every successful response is checked against botocore's model by the hook
in :mod:`tests.integration.ecr_support`.
"""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import ADMIN_CREDS
from tests.integration.ecr_support import (
    OCI_MANIFEST,
    REGION,
    create_user,
    digest_of,
    ecr_client,
    push_image,
    upload_blob,
)
from tests.live import LiveServer

pytestmark = pytest.mark.integration

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCOUNT = "000000000000"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


@pytest.fixture(scope="module")
def ecr(server: LiveServer) -> Any:
    return ecr_client(server)


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


# -- repositories --------------------------------------------------------------


def test_create_and_describe_repository(ecr: Any, server: LiveServer) -> None:
    repo = ecr.create_repository(
        repositoryName="create/app",
        tags=[{"Key": "team", "Value": "platform"}],
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[
            {"filterType": "WILDCARD", "filter": "dev-*"}
        ],
        imageScanningConfiguration={"scanOnPush": True},
    )["repository"]
    assert (
        repo["repositoryArn"] == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/create/app"
    )
    assert repo["repositoryUri"] == f"{server.host}/create/app"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["encryptionConfiguration"] == {"encryptionType": "AES256"}
    assert abs(repo["createdAt"] - datetime.now(UTC)) < timedelta(minutes=1)
    described = ecr.describe_repositories(repositoryNames=["create/app"])
    assert described["repositories"] == [repo]
    assert ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"] == [
        {"Key": "team", "Value": "platform"}
    ]
    with pytest.raises(ClientError) as info:
        ecr.create_repository(repositoryName="create/app")
    assert _code(info) == "RepositoryAlreadyExistsException"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"repositoryName": "Upper/Case"}, "repositoryName"),
        ({"repositoryName": "a" * 257}, "repositoryName"),
        (
            {"repositoryName": "ok-name", "imageTagMutability": "SOMETIMES"},
            "imageTagMutability",
        ),
        (
            {
                "repositoryName": "ok-name",
                "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
            },
            "imageTagMutabilityExclusionFilters",
        ),
        (
            {
                "repositoryName": "ok-name",
                "encryptionConfiguration": {"encryptionType": "AES256", "kmsKey": "k"},
            },
            "encryptionConfiguration.kmsKey",
        ),
    ],
)
def test_invalid_parameters_name_the_field(ecr: Any, kwargs: dict, field: str) -> None:
    with pytest.raises(ClientError) as info:
        ecr.create_repository(**kwargs)
    assert _code(info) == "InvalidParameterException"
    assert f"'{field}'" in info.value.response["Error"]["Message"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_missing_repository_and_foreign_registry(ecr: Any) -> None:
    cases = [
        (
            lambda: ecr.describe_repositories(repositoryNames=["does-not-exist"]),
            "RepositoryNotFoundException",
        ),
        (
            lambda: ecr.describe_repositories(registryId="123456789012"),
            "InvalidParameterException",
        ),
        (
            lambda: ecr.list_images(repositoryName="does-not-exist"),
            "RepositoryNotFoundException",
        ),
        (
            lambda: ecr.list_images(
                repositoryName="create/app", registryId="123456789012"
            ),
            "RepositoryNotFoundException",
        ),
    ]
    for call, code in cases:
        with pytest.raises(ClientError) as info:
            call()
        assert _code(info) == code
    message = "The repository with name 'does-not-exist' does not exist"
    with pytest.raises(ClientError) as info:
        ecr.list_images(repositoryName="does-not-exist")
    assert info.value.response["Error"]["Message"].startswith(message)


def test_describe_repositories_paginator(ecr: Any) -> None:
    names = [f"paged/repo-{n:02d}" for n in range(7)]
    for name in names:
        ecr.create_repository(repositoryName=name)
    pages = list(
        ecr.get_paginator("describe_repositories").paginate(
            PaginationConfig={"PageSize": 3}
        )
    )
    seen = [r["repositoryName"] for p in pages for r in p["repositories"]]
    assert [n for n in seen if n.startswith("paged/")] == names
    assert len(seen) == len(set(seen))
    assert all(len(p["repositories"]) <= 3 for p in pages)
    assert "nextToken" not in pages[-1]
    limited = (
        ecr.get_paginator("describe_repositories")
        .paginate(PaginationConfig={"MaxItems": 4, "PageSize": 3})
        .build_full_result()
    )
    assert len(limited["repositories"]) == 4
    assert "NextToken" in limited
    with pytest.raises(ClientError) as info:
        ecr.describe_repositories(nextToken="not-a-token")
    assert _code(info) == "InvalidParameterException"


def test_resource_tags(ecr: Any) -> None:
    arn = ecr.create_repository(repositoryName="tags/app")["repository"][
        "repositoryArn"
    ]
    ecr.tag_resource(
        resourceArn=arn, tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    )
    ecr.tag_resource(resourceArn=arn, tags=[{"Key": "a", "Value": "3"}])
    ecr.untag_resource(resourceArn=arn, tagKeys=["b"])
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"Key": "a", "Value": "3"}
    ]
    many = [{"Key": f"k{n}", "Value": "v"} for n in range(50)]
    with pytest.raises(ecr.exceptions.TooManyTagsException):
        ecr.tag_resource(resourceArn=arn, tags=many)
    assert len(ecr.list_tags_for_resource(resourceArn=arn)["tags"]) == 1
    with pytest.raises(ecr.exceptions.InvalidTagParameterException):
        ecr.tag_resource(resourceArn=arn, tags=[{"Key": "aws:reserved", "Value": "x"}])
    with pytest.raises(ClientError) as info:
        ecr.list_tags_for_resource(resourceArn="arn:aws:s3:::bucket")
    assert _code(info) == "InvalidParameterException"


def test_repository_settings_and_registry(ecr: Any) -> None:
    ecr.create_repository(repositoryName="settings/app")
    out = ecr.put_image_scanning_configuration(
        repositoryName="settings/app", imageScanningConfiguration={"scanOnPush": True}
    )
    assert out["imageScanningConfiguration"] == {"scanOnPush": True}
    out = ecr.put_image_tag_mutability(
        repositoryName="settings/app",
        imageTagMutability="MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[
            {"filterType": "WILDCARD", "filter": "rel-*"}
        ],
    )
    assert out["imageTagMutability"] == "MUTABLE_WITH_EXCLUSION"
    repo = ecr.describe_repositories(repositoryNames=["settings/app"])["repositories"][
        0
    ]
    assert repo["imageTagMutabilityExclusionFilters"] == [
        {"filterType": "WILDCARD", "filter": "rel-*"}
    ]
    assert ecr.describe_registry()["registryId"] == ACCOUNT


# -- images ---------------------------------------------------------------------


def test_push_list_describe_get_delete(ecr: Any) -> None:
    repo = "images/app"
    ecr.create_repository(repositoryName=repo)
    first, manifest = push_image(ecr, repo, "v1", "one")
    ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag="stable")
    second, _ = push_image(ecr, repo, None, "two")

    ids = ecr.list_images(repositoryName=repo)["imageIds"]
    assert sorted((i["imageDigest"], i.get("imageTag")) for i in ids) == sorted(
        [(first, "v1"), (first, "stable"), (second, None)]
    )
    untagged = ecr.list_images(repositoryName=repo, filter={"tagStatus": "UNTAGGED"})
    assert untagged["imageIds"] == [{"imageDigest": second}]

    detail = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "v1"}])
    image = detail["imageDetails"][0]
    assert image["imageDigest"] == first
    assert sorted(image["imageTags"]) == ["stable", "v1"]
    assert image["imageSizeInBytes"] > 2048
    assert image["imageManifestMediaType"] == OCI_MANIFEST
    assert abs(image["imagePushedAt"] - datetime.now(UTC)) < timedelta(minutes=1)
    with pytest.raises(ecr.exceptions.ImageNotFoundException):
        ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "nope"}])

    got = ecr.batch_get_image(
        repositoryName=repo,
        imageIds=[
            {"imageTag": "v1"},
            {"imageTag": "missing"},
            {"imageDigest": second, "imageTag": "v1"},
        ],
        acceptedMediaTypes=[OCI_MANIFEST],
    )
    assert got["images"][0]["imageManifest"] == manifest
    assert got["images"][0]["imageId"] == {"imageDigest": first, "imageTag": "v1"}
    codes = sorted(f["failureCode"] for f in got["failures"])
    assert codes == ["ImageNotFound", "ImageTagDoesNotMatchDigest"]
    pulled = ecr.describe_images(repositoryName=repo, imageIds=[{"imageDigest": first}])
    assert "lastRecordedPullTime" in pulled["imageDetails"][0]

    deleted = ecr.batch_delete_image(
        repositoryName=repo,
        imageIds=[
            {"imageTag": "stable"},
            {"imageDigest": second},
            {"imageTag": "never-was"},
        ],
    )
    assert sorted(map(json.dumps, deleted["imageIds"])) == sorted(
        map(
            json.dumps,
            [{"imageDigest": first, "imageTag": "stable"}, {"imageDigest": second}],
        )
    )
    assert [f["failureCode"] for f in deleted["failures"]] == ["ImageNotFound"]
    # Removing the last tag removes the image, as ECR does.
    ecr.batch_delete_image(repositoryName=repo, imageIds=[{"imageTag": "v1"}])
    assert ecr.list_images(repositoryName=repo)["imageIds"] == []


def test_list_and_describe_images_paginators(ecr: Any) -> None:
    repo = "images/paged"
    ecr.create_repository(repositoryName=repo)
    digests = {push_image(ecr, repo, f"t{n}", f"paged-{n}")[0] for n in range(5)}
    pages = list(
        ecr.get_paginator("list_images").paginate(
            repositoryName=repo, PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["imageIds"]) for p in pages] == [2, 2, 1]
    assert {i["imageDigest"] for p in pages for i in p["imageIds"]} == digests
    described = (
        ecr.get_paginator("describe_images")
        .paginate(repositoryName=repo, PaginationConfig={"PageSize": 2})
        .build_full_result()
    )
    assert {d["imageDigest"] for d in described["imageDetails"]} == digests
    with pytest.raises(ClientError) as info:
        ecr.describe_images(
            repositoryName=repo, imageIds=[{"imageTag": "t1"}], maxResults=5
        )
    assert _code(info) == "InvalidParameterException"


def test_put_image_errors(ecr: Any) -> None:
    repo = "images/errors"
    ecr.create_repository(repositoryName=repo, imageTagMutability="IMMUTABLE")
    digest, manifest = push_image(ecr, repo, "v1", "errors-1")
    with pytest.raises(ecr.exceptions.ImageAlreadyExistsException):
        ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag="v1")
    _, other = push_image(ecr, repo, "v2", "errors-2")
    with pytest.raises(ecr.exceptions.ImageTagAlreadyExistsException):
        ecr.put_image(repositoryName=repo, imageManifest=other, imageTag="v1")
    with pytest.raises(ecr.exceptions.ImageDigestDoesNotMatchException):
        ecr.put_image(
            repositoryName=repo,
            imageManifest=manifest,
            imageDigest="sha256:" + "0" * 64,
            imageTag="v3",
        )
    missing_layer = json.loads(manifest)
    missing_layer["layers"][0]["digest"] = "sha256:" + "1" * 64
    with pytest.raises(ecr.exceptions.LayersNotFoundException):
        ecr.put_image(
            repositoryName=repo, imageManifest=json.dumps(missing_layer), imageTag="v4"
        )
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": "sha256:" + "2" * 64, "size": 10}
            ],
        }
    )
    with pytest.raises(ecr.exceptions.ReferencedImagesNotFoundException):
        ecr.put_image(repositoryName=repo, imageManifest=index, imageTag="v5")
    with pytest.raises(ClientError) as info:
        ecr.put_image(repositoryName=repo, imageManifest="{not json", imageTag="v6")
    assert _code(info) == "InvalidParameterException"
    with pytest.raises(ecr.exceptions.RepositoryNotFoundException):
        ecr.put_image(repositoryName="images/none", imageManifest=manifest)
    assert digest


def test_index_children_are_protected_and_sized(ecr: Any) -> None:
    repo = "images/index"
    ecr.create_repository(repositoryName=repo)
    child, manifest = push_image(ecr, repo, None, "index-child")
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": child, "size": len(manifest)}
            ],
        }
    )
    parent = ecr.put_image(repositoryName=repo, imageManifest=index, imageTag="multi")[
        "image"
    ]["imageId"]["imageDigest"]
    deleted = ecr.batch_delete_image(
        repositoryName=repo, imageIds=[{"imageDigest": child}]
    )
    assert deleted["failures"][0]["failureCode"] == "ImageReferencedByManifestList"
    details = ecr.describe_images(
        repositoryName=repo, imageIds=[{"imageDigest": parent}, {"imageDigest": child}]
    )["imageDetails"]
    sizes = {d["imageDigest"]: d["imageSizeInBytes"] for d in details}
    assert sizes[parent] == sizes[child] > 0


def test_tag_immutability_holds_on_the_v2_api(ecr: Any, server: LiveServer) -> None:
    repo = "images/immutable"
    ecr.create_repository(
        repositoryName=repo,
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[
            {"filterType": "WILDCARD", "filter": "latest"}
        ],
    )
    _, first = push_image(ecr, repo, "v1", "immutable-1")
    ecr.put_image(repositoryName=repo, imageManifest=first, imageTag="latest")
    _, second = push_image(ecr, repo, None, "immutable-2")
    user, password = ADMIN_CREDS.split(":", 1)
    headers = {"Content-Type": OCI_MANIFEST}
    with httpx.Client(base_url=server.url, auth=(user, password)) as http:
        moved = http.put(f"/v2/{repo}/manifests/v1", content=second, headers=headers)
        assert moved.status_code == 400
        assert moved.json()["errors"][0]["code"] == "TAG_INVALID"
        latest = http.put(
            f"/v2/{repo}/manifests/latest", content=second, headers=headers
        )
        assert latest.status_code == 201
    with pytest.raises(ecr.exceptions.ImageTagAlreadyExistsException):
        ecr.put_image(repositoryName=repo, imageManifest=second, imageTag="v1")


# -- layers ----------------------------------------------------------------------


def test_layer_upload_in_parts_and_download_url(ecr: Any) -> None:
    repo = "layers/app"
    ecr.create_repository(repositoryName=repo)
    data = os.urandom(300_000)
    digest = upload_blob(ecr, repo, data, part=100_000)
    layers = ecr.batch_check_layer_availability(
        repositoryName=repo, layerDigests=[digest, "sha256:" + "3" * 64, "bogus"]
    )
    availability = {x["layerDigest"]: x["layerAvailability"] for x in layers["layers"]}
    assert availability == {digest: "AVAILABLE", "sha256:" + "3" * 64: "UNAVAILABLE"}
    assert layers["failures"][0]["failureCode"] == "InvalidLayerDigest"
    # Like ECR, only layers an image uses can be downloaded.
    with pytest.raises(ecr.exceptions.LayerInaccessibleException):
        ecr.get_download_url_for_layer(repositoryName=repo, layerDigest=digest)
    config = b'{"architecture":"amd64","os":"linux"}'
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": upload_blob(ecr, repo, config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": digest,
                    "size": len(data),
                }
            ],
        }
    )
    ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag="v1")
    url = ecr.get_download_url_for_layer(repositoryName=repo, layerDigest=digest)
    fetched = httpx.get(url["downloadUrl"])
    assert fetched.status_code == 200
    assert fetched.content == data
    part = httpx.get(url["downloadUrl"], headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.content == data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    beyond = httpx.get(url["downloadUrl"], headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416
    assert httpx.get(url["downloadUrl"][:-4] + "AAAA").status_code == 403
    with pytest.raises(ecr.exceptions.LayersNotFoundException):
        ecr.get_download_url_for_layer(
            repositoryName=repo, layerDigest="sha256:" + "4" * 64
        )


def test_layer_upload_errors(ecr: Any) -> None:
    repo = "layers/errors"
    ecr.create_repository(repositoryName=repo)
    upload_id = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
    with pytest.raises(ecr.exceptions.EmptyUploadException):
        ecr.complete_layer_upload(
            repositoryName=repo, uploadId=upload_id, layerDigests=[digest_of(b"x")]
        )
    ecr.upload_layer_part(
        repositoryName=repo,
        uploadId=upload_id,
        partFirstByte=0,
        partLastByte=3,
        layerPartBlob=b"abcd",
    )
    with pytest.raises(ecr.exceptions.InvalidLayerPartException) as info:
        ecr.upload_layer_part(
            repositoryName=repo,
            uploadId=upload_id,
            partFirstByte=10,
            partLastByte=13,
            layerPartBlob=b"efgh",
        )
    assert info.value.response["lastValidByteReceived"] == 3
    with pytest.raises(ecr.exceptions.InvalidLayerException):
        ecr.complete_layer_upload(
            repositoryName=repo,
            uploadId=upload_id,
            layerDigests=[digest_of(b"something else")],
        )
    with pytest.raises(ecr.exceptions.UploadNotFoundException):
        ecr.upload_layer_part(
            repositoryName=repo,
            uploadId=upload_id,
            partFirstByte=4,
            partLastByte=7,
            layerPartBlob=b"efgh",
        )
    digest = upload_blob(ecr, repo, b"already here")
    again = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
    ecr.upload_layer_part(
        repositoryName=repo,
        uploadId=again,
        partFirstByte=0,
        partLastByte=11,
        layerPartBlob=b"already here",
    )
    with pytest.raises(ecr.exceptions.LayerAlreadyExistsException):
        ecr.complete_layer_upload(
            repositoryName=repo, uploadId=again, layerDigests=[digest]
        )


# -- authorization, policies, lifecycle --------------------------------------------


def test_authorization_token_logs_in_to_v2(ecr: Any, server: LiveServer) -> None:
    data = ecr.get_authorization_token()["authorizationData"][0]
    user, password = base64.b64decode(data["authorizationToken"]).decode().split(":")
    assert user == "AWS"
    assert data["proxyEndpoint"] == server.url
    left = data["expiresAt"] - datetime.now(UTC)
    assert timedelta(hours=11, minutes=55) < left <= timedelta(hours=12, minutes=1)
    ping = httpx.get(f"{server.url}/v2/", auth=("AWS", password))
    assert ping.status_code == 200
    with pytest.raises(ClientError) as info:
        ecr.get_authorization_token(registryIds=["123456789012"])
    assert _code(info) == "InvalidParameterException"


def _deny(action: str, principal: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "NoListing",
                    "Effect": "Deny",
                    "Principal": {"AWS": principal},
                    "Action": action,
                }
            ],
        }
    )


def test_repository_policy_is_enforced(ecr: Any) -> None:
    repo = "policies/app"
    ecr.create_repository(repositoryName=repo)
    with pytest.raises(ecr.exceptions.RepositoryPolicyNotFoundException):
        ecr.get_repository_policy(repositoryName=repo)
    admin = f"arn:aws:iam::{ACCOUNT}:user/admin"
    text = _deny("ecr:ListImages", admin)
    assert (
        ecr.set_repository_policy(repositoryName=repo, policyText=text)["policyText"]
        == text
    )
    assert ecr.get_repository_policy(repositoryName=repo)["policyText"] == text
    with pytest.raises(ClientError) as info:
        ecr.list_images(repositoryName=repo)
    assert _code(info) == "AccessDeniedException"
    with pytest.raises(ClientError) as info:
        ecr.set_repository_policy(
            repositoryName=repo, policyText=_deny("ecr:SetRepositoryPolicy", admin)
        )
    assert _code(info) == "InvalidParameterException"
    assert ecr.delete_repository_policy(repositoryName=repo)["policyText"] == text
    assert ecr.list_images(repositoryName=repo)["imageIds"] == []
    with pytest.raises(ClientError) as info:
        ecr.set_repository_policy(repositoryName=repo, policyText='{"Statement": 1}')
    assert _code(info) == "InvalidParameterException"


def test_registry_policy(ecr: Any) -> None:
    with pytest.raises(ecr.exceptions.RegistryPolicyNotFoundException):
        ecr.get_registry_policy()
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Replicate",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                    "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
                }
            ],
        }
    )
    assert ecr.put_registry_policy(policyText=text)["registryId"] == ACCOUNT
    assert ecr.get_registry_policy()["policyText"] == text
    assert ecr.delete_registry_policy()["policyText"] == text


LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 20,
            "description": "keep 10 prod",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["prod"],
                "countType": "imageCountMoreThan",
                "countNumber": 10,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 10,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
    ]
}


def test_lifecycle_policy(ecr: Any) -> None:
    repo = "lifecycle/app"
    ecr.create_repository(repositoryName=repo)
    with pytest.raises(ecr.exceptions.LifecyclePolicyNotFoundException):
        ecr.get_lifecycle_policy(repositoryName=repo)
    stored = ecr.put_lifecycle_policy(
        repositoryName=repo, lifecyclePolicyText=json.dumps(LIFECYCLE)
    )
    priorities = [
        r["rulePriority"] for r in json.loads(stored["lifecyclePolicyText"])["rules"]
    ]
    assert priorities == [10, 20]
    got = ecr.get_lifecycle_policy(repositoryName=repo)
    assert got["lifecyclePolicyText"] == stored["lifecyclePolicyText"]
    bad = json.loads(json.dumps(LIFECYCLE))
    del bad["rules"][0]["selection"]["tagPrefixList"]
    with pytest.raises(ClientError) as info:
        ecr.put_lifecycle_policy(
            repositoryName=repo, lifecyclePolicyText=json.dumps(bad)
        )
    assert _code(info) == "InvalidParameterException"
    assert (
        "Lifecycle policy validation failure" in info.value.response["Error"]["Message"]
    )
    deleted = ecr.delete_lifecycle_policy(repositoryName=repo)
    assert deleted["lifecyclePolicyText"] == stored["lifecyclePolicyText"]


def test_delete_repository(ecr: Any) -> None:
    repo = "delete/app"
    ecr.create_repository(repositoryName=repo, tags=[{"Key": "k", "Value": "v"}])
    push_image(ecr, repo, "v1", "delete")
    with pytest.raises(ecr.exceptions.RepositoryNotEmptyException):
        ecr.delete_repository(repositoryName=repo)
    gone = ecr.delete_repository(repositoryName=repo, force=True)["repository"]
    assert gone["repositoryName"] == repo
    with pytest.raises(ecr.exceptions.RepositoryNotFoundException):
        ecr.describe_repositories(repositoryNames=[repo])
    ecr.create_repository(repositoryName=repo)
    arn = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{repo}"
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == []
    # Nothing of the old repository survives into a new one of the same name.
    ecr.set_repository_policy(
        repositoryName=repo,
        policyText=_deny("ecr:PutImage", f"arn:aws:iam::{ACCOUNT}:user/nobody"),
    )
    ecr.put_lifecycle_policy(
        repositoryName=repo, lifecyclePolicyText=json.dumps(LIFECYCLE)
    )
    ecr.delete_repository(repositoryName=repo, force=True)
    ecr.create_repository(repositoryName=repo)
    with pytest.raises(ecr.exceptions.RepositoryPolicyNotFoundException):
        ecr.get_repository_policy(repositoryName=repo)
    with pytest.raises(ecr.exceptions.LifecyclePolicyNotFoundException):
        ecr.get_lifecycle_policy(repositoryName=repo)


# -- SigV4 and the protocol ----------------------------------------------------------


def test_signature_errors(server: LiveServer) -> None:
    cases = [
        (
            ecr_client(server, secret="wrong-secret-0123456789abcdef0123456789"),
            "InvalidSignatureException",
        ),
        (
            ecr_client(server, key_id="AKIAUNKNOWNKEY000000"),
            "UnrecognizedClientException",
        ),
        (ecr_client(server, region="eu-west-1"), "InvalidSignatureException"),
    ]
    for client, code in cases:
        with pytest.raises(ClientError) as info:
            client.describe_repositories()
        assert _code(info) == code


def test_unsigned_and_unknown_requests(server: LiveServer) -> None:
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
    }
    unsigned = httpx.post(server.url + "/", content=b"{}", headers=headers)
    assert unsigned.status_code == 403
    assert unsigned.json()["__type"] == "MissingAuthenticationTokenException"
    assert unsigned.headers["x-amzn-RequestId"] == unsigned.headers["x-request-id"]
    for operation in ("Nothing", "StartReplicationBackfill"):
        request = _signed_post(server, operation, {})
        unknown = httpx.post(
            request.url, content=request.body, headers=dict(request.headers.items())
        )
        assert unknown.status_code == 400
        assert unknown.json()["__type"] == "UnknownOperationException"
    too_big = httpx.post(
        server.url + "/",
        content=b" " * (33 * 1024 * 1024),
        headers={**headers, "Authorization": "AWS4-HMAC-SHA256 x"},
    )
    assert too_big.status_code == 413
    assert too_big.json()["__type"] == "RequestEntityTooLargeException"
    for body in (b"{not json", b"[]"):
        request = _signed_post(server, "DescribeRepositories", body)
        answer = httpx.post(
            request.url, content=request.body, headers=dict(request.headers.items())
        )
        assert answer.status_code == 400
        assert answer.json()["__type"] == "SerializationException"


def test_docker_schema2_manifests(ecr: Any) -> None:
    repo = "images/docker"
    ecr.create_repository(repositoryName=repo)
    config = b'{"architecture":"arm64","os":"linux","rootfs":{"type":"layers"}}'
    layer = os.urandom(1024)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "digest": upload_blob(ecr, repo, config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "digest": upload_blob(ecr, repo, layer),
                    "size": len(layer),
                }
            ],
        }
    )
    ecr.put_image(repositoryName=repo, imageManifest=manifest, imageTag="arm")
    got = ecr.batch_get_image(
        repositoryName=repo,
        imageIds=[{"imageTag": "arm"}],
        acceptedMediaTypes=[DOCKER_MANIFEST],
    )
    assert got["images"][0]["imageManifestMediaType"] == DOCKER_MANIFEST
    refused = ecr.batch_get_image(
        repositoryName=repo,
        imageIds=[{"imageTag": "arm"}],
        acceptedMediaTypes=[OCI_MANIFEST],
    )
    assert refused["failures"][0]["failureCode"] == "ImageNotFound"
    detail = ecr.describe_images(repositoryName=repo)["imageDetails"][0]
    assert detail["imageManifestMediaType"] == DOCKER_MANIFEST


def test_kms_encryption_configuration(ecr: Any) -> None:
    managed = ecr.create_repository(
        repositoryName="kms/managed", encryptionConfiguration={"encryptionType": "KMS"}
    )["repository"]["encryptionConfiguration"]
    assert managed["encryptionType"] == "KMS"
    assert managed["kmsKey"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    digest, manifest = push_image(ecr, "kms/managed", "v1", "kms")
    got = ecr.batch_get_image(
        repositoryName="kms/managed", imageIds=[{"imageDigest": digest}]
    )
    assert got["images"][0]["imageManifest"] == manifest
    named = ecr.create_repository(
        repositoryName="kms/named",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": managed["kmsKey"]},
    )["repository"]["encryptionConfiguration"]
    assert named["kmsKey"] == managed["kmsKey"]
    with pytest.raises(ecr.exceptions.KmsException) as info:
        ecr.create_repository(
            repositoryName="kms/missing",
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "alias/none"},
        )
    assert info.value.response["kmsError"] == "NotFoundException"
    with pytest.raises(ecr.exceptions.RepositoryNotFoundException):
        ecr.describe_repositories(repositoryNames=["kms/missing"])


def test_calls_are_written_to_the_audit_trail(ecr: Any, server: LiveServer) -> None:
    from seawall.auth.factory import make_audit_trail
    from seawall.crypto.rootkey import load_or_create_root_key
    from seawall.storage.metadata.db import make_engine

    ecr.create_repository(repositoryName="audit/app", tags=[{"Key": "k", "Value": "v"}])
    with pytest.raises(ecr.exceptions.ImageNotFoundException):
        ecr.describe_images(repositoryName="audit/app", imageIds=[{"imageTag": "x"}])
    engine = make_engine(f"sqlite:///{server.data_dir.resolve() / 'seawall.db'}")
    trail = make_audit_trail(
        engine, load_or_create_root_key(server.data_dir), account=ACCOUNT, region=REGION
    )
    try:
        created = trail.query(repository="audit/app", event_name="CreateRepository")
        failed = trail.query(repository="audit/app", event_name="DescribeImages")
    finally:
        engine.dispose()
    assert created[0]["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/admin"
    assert created[0]["requestParameters"]["tags"] == [{"Key": "k", "Value": "v"}]
    assert failed[0]["errorCode"] == "ImageNotFoundException"
    assert trail.verify().ok


def test_identity_policies_and_resource_tags_decide(
    ecr: Any, server: LiveServer
) -> None:
    blue = ecr.create_repository(
        repositoryName="access/blue", tags=[{"Key": "team", "Value": "blue"}]
    )["repository"]["repositoryArn"]
    ecr.create_repository(repositoryName="access/red")
    key_id, secret = create_user(
        server,
        "blue-reader",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ecr:GetAuthorizationToken",
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["ecr:Describe*", "ecr:List*"],
                    "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
                    "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}},
                },
            ],
        },
    )
    reader = ecr_client(server, key_id=key_id, secret=secret)
    time.sleep(1.2)  # the server re-reads access changes every second
    names = [
        r["repositoryName"] for r in reader.describe_repositories()["repositories"]
    ]
    assert names == ["access/blue"]
    assert reader.list_images(repositoryName="access/blue")["imageIds"] == []
    for call in (
        lambda: reader.list_images(repositoryName="access/red"),
        lambda: reader.create_repository(repositoryName="access/new"),
        lambda: reader.describe_repositories(repositoryNames=["access/red"]),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert _code(info) == "AccessDeniedException"
    # Retagging takes the repository out of the reader's reach at once.
    ecr.tag_resource(resourceArn=blue, tags=[{"Key": "team", "Value": "green"}])
    with pytest.raises(ClientError) as info:
        reader.list_images(repositoryName="access/blue")
    assert _code(info) == "AccessDeniedException"


@pytest.mark.parametrize("offset", [timedelta(minutes=-20), timedelta(minutes=20)])
def test_clock_skew_is_refused(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch, offset: timedelta
) -> None:
    import botocore.auth

    skewed = datetime.now(UTC).replace(tzinfo=None) + offset
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: skewed)
    with pytest.raises(ClientError) as info:
        ecr_client(server).describe_repositories()
    assert _code(info) == "InvalidSignatureException"
    assert "Signature" in info.value.response["Error"]["Message"]


def _signed_post(
    server: LiveServer, operation: str, body: dict[str, Any] | bytes
) -> Any:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from tests.integration.conftest import ADMIN_KEY_ID, ADMIN_SECRET

    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body if isinstance(body, bytes) else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AmazonEC2ContainerRegistry_V20150921.{operation}",
        },
    )
    SigV4Auth(Credentials(ADMIN_KEY_ID, ADMIN_SECRET), "ecr", REGION).add_auth(request)
    return request


def test_a_captured_state_change_cannot_be_replayed(
    ecr: Any, server: LiveServer
) -> None:
    arn = ecr.create_repository(repositoryName="replay/app")["repository"][
        "repositoryArn"
    ]
    request = _signed_post(
        server,
        "TagResource",
        {"resourceArn": arn, "tags": [{"Key": "stage", "Value": "old"}]},
    )
    headers = dict(request.headers.items())
    first = httpx.post(request.url, content=request.body, headers=headers)
    assert first.status_code == 200
    ecr.tag_resource(resourceArn=arn, tags=[{"Key": "stage", "Value": "new"}])
    time.sleep(6)
    replayed = httpx.post(request.url, content=request.body, headers=headers)
    assert replayed.status_code == 400
    assert replayed.json()["__type"] == "InvalidSignatureException"
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"Key": "stage", "Value": "new"}
    ]
