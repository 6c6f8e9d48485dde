"""The distribution-spec surface over plain HTTP, status codes and headers included."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.conftest import ADMIN_CREDS, start_server
from tests.live import LiveServer
from tests.pgserver import create_database

ADMIN_CREDS_TUPLE = tuple(ADMIN_CREDS.split(":", 1))

pytestmark = pytest.mark.integration

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def sha(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:" + hashlib.new(algorithm, data).hexdigest()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The same API tests on the embedded default and on PostgreSQL."""
    database_url = ""
    if request.param == "postgresql":
        database_url = create_database(request.getfixturevalue("postgres_url"))
    live = start_server(tmp_path_factory.mktemp("api") / "data", database_url)
    yield live
    live.stop()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    key_id, secret = ADMIN_CREDS.split(":", 1)
    with httpx.Client(base_url=server.url, auth=(key_id, secret), timeout=30) as http:
        yield http


def upload(client: httpx.Client, repo: str, data: bytes) -> str:
    digest = sha(data)
    response = client.post(
        f"/v2/{repo}/blobs/uploads/", params={"digest": digest}, content=data
    )
    assert response.status_code == 201, response.text
    return digest


def push_image(
    client: httpx.Client,
    repo: str,
    tag: str,
    *,
    layer: bytes = b"layer",
    **extra: object,
) -> tuple[str, bytes]:
    config = json.dumps({"architecture": "amd64", "os": "linux", "tag": tag}).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": upload(client, repo, config),
            "size": len(config),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": upload(client, repo, layer),
                "size": len(layer),
            }
        ],
        **extra,
    }
    raw = json.dumps(manifest).encode()
    response = client.put(
        f"/v2/{repo}/manifests/{tag}",
        content=raw,
        headers={"Content-Type": OCI_MANIFEST},
    )
    assert response.status_code == 201, response.text
    assert response.headers["Docker-Content-Digest"] == sha(raw)
    return sha(raw), raw


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["code"]
    return code


def test_base_endpoint(client: httpx.Client) -> None:
    response = client.get("/v2/")
    assert response.status_code == 200
    assert response.headers["Docker-Distribution-API-Version"] == "registry/2.0"


def test_monolithic_and_chunked_uploads(client: httpx.Client) -> None:
    data = b"0123456789" * 1000
    digest = upload(client, "api/blobs", data)
    head = client.head(f"/v2/api/blobs/blobs/{digest}")
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(data))
    assert head.headers["Docker-Content-Digest"] == digest

    # POST then PATCH chunks with Content-Range, then PUT.
    start = client.post("/v2/api/blobs/blobs/uploads/")
    assert start.status_code == 202
    location = start.headers["Location"]
    assert start.headers["Docker-Upload-UUID"] in location
    first = client.patch(
        location, content=data[:4000], headers={"Content-Range": "0-3999"}
    )
    assert first.status_code == 202
    assert first.headers["Range"] == "0-3999"

    # A gap is refused with 416 and the current range.
    gap = client.patch(
        location, content=data[5000:6000], headers={"Content-Range": "5000-5999"}
    )
    assert gap.status_code == 416
    assert gap.headers["Range"] == "0-3999"

    status = client.get(location)
    assert status.status_code == 204
    assert status.headers["Range"] == "0-3999"

    second = client.patch(
        location,
        content=data[4000:],
        headers={"Content-Range": f"4000-{len(data) - 1}"},
    )
    assert second.status_code == 202
    done = client.put(location, params={"digest": digest})
    assert done.status_code == 201
    assert done.headers["Location"].endswith(f"/blobs/{digest}")
    assert client.get(f"/v2/api/blobs/blobs/{digest}").content == data


def test_post_put_with_body_and_digest_mismatch(client: httpx.Client) -> None:
    start = client.post("/v2/api/put/blobs/uploads/")
    location = start.headers["Location"]
    wrong = sha(b"something else")
    bad = client.put(location, params={"digest": wrong}, content=b"payload")
    assert bad.status_code == 400
    assert error_code(bad) == "DIGEST_INVALID"
    # The session is gone and the blob was never linked.
    assert client.get(location).status_code == 404
    assert client.head(f"/v2/api/put/blobs/{wrong}").status_code == 404
    assert client.head(f"/v2/api/put/blobs/{sha(b'payload')}").status_code == 404

    start = client.post("/v2/api/put/blobs/uploads/")
    ok = client.put(
        start.headers["Location"],
        params={"digest": sha(b"payload")},
        content=b"payload",
    )
    assert ok.status_code == 201


def test_cancel_upload(client: httpx.Client) -> None:
    location = client.post("/v2/api/cancel/blobs/uploads/").headers["Location"]
    client.patch(location, content=b"abc")
    assert client.delete(location).status_code == 204
    response = client.get(location)
    assert response.status_code == 404
    assert error_code(response) == "BLOB_UPLOAD_UNKNOWN"


def test_range_reads(client: httpx.Client) -> None:
    data = bytes(range(256)) * 40
    digest = upload(client, "api/range", data)
    part = client.get(
        f"/v2/api/range/blobs/{digest}", headers={"Range": "bytes=100-199"}
    )
    assert part.status_code == 206
    assert part.content == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(f"/v2/api/range/blobs/{digest}", headers={"Range": "bytes=-10"})
    assert tail.content == data[-10:]
    beyond = client.get(
        f"/v2/api/range/blobs/{digest}", headers={"Range": f"bytes={len(data)}-"}
    )
    assert beyond.status_code == 416


def test_sha512_blob(client: httpx.Client) -> None:
    data = b"sha512 content"
    digest = sha(data, "sha512")
    response = client.post(
        "/v2/api/sha512/blobs/uploads/", params={"digest": digest}, content=data
    )
    assert response.status_code == 201
    assert client.get(f"/v2/api/sha512/blobs/{digest}").content == data


def test_manifest_by_tag_and_digest(client: httpx.Client) -> None:
    digest, raw = push_image(client, "api/manifests", "v1")
    by_tag = client.get(
        "/v2/api/manifests/manifests/v1", headers={"Accept": OCI_MANIFEST}
    )
    assert by_tag.status_code == 200
    assert by_tag.content == raw
    assert by_tag.headers["Content-Type"] == OCI_MANIFEST
    assert by_tag.headers["Docker-Content-Digest"] == digest
    head = client.head(f"/v2/api/manifests/manifests/{digest}")
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(raw))
    # A client that accepts only Docker types is not served an OCI manifest.
    refused = client.get(
        "/v2/api/manifests/manifests/v1", headers={"Accept": DOCKER_MANIFEST}
    )
    assert refused.status_code == 404


def test_manifest_validation(client: httpx.Client) -> None:
    repo = "api/invalid"
    upload(client, repo, b"x")
    cases = [
        (b"not json", OCI_MANIFEST, "MANIFEST_INVALID"),
        (b'{"schemaVersion": 1}', OCI_MANIFEST, "MANIFEST_INVALID"),
        (
            json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": OCI_MANIFEST,
                    "config": {},
                    "layers": [],
                }
            ).encode(),
            OCI_MANIFEST,
            "MANIFEST_INVALID",
        ),
    ]
    for body, content_type, code in cases:
        response = client.put(
            f"/v2/{repo}/manifests/t",
            content=body,
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 400, body
        assert error_code(response) == code

    missing = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": sha(b"absent"),
            "size": 6,
        },
        "layers": [],
    }
    response = client.put(
        f"/v2/{repo}/manifests/t", json=missing, headers={"Content-Type": OCI_MANIFEST}
    )
    assert response.status_code == 400
    assert error_code(response) == "MANIFEST_BLOB_UNKNOWN"
    # Nothing was stored by the refused pushes.
    assert client.get(f"/v2/{repo}/tags/list").json()["tags"] == []

    _, raw = push_image(client, repo, "good")
    wrong = client.put(
        f"/v2/{repo}/manifests/{sha(b'other')}",
        content=raw,
        headers={"Content-Type": OCI_MANIFEST},
    )
    assert error_code(wrong) == "DIGEST_INVALID"
    bad_tag = client.put(
        f"/v2/{repo}/manifests/-bad",
        content=raw,
        headers={"Content-Type": OCI_MANIFEST},
    )
    assert error_code(bad_tag) == "TAG_INVALID"
    huge = client.put(
        f"/v2/{repo}/manifests/big",
        content=b" " * (5 * 1024 * 1024),
        headers={"Content-Type": OCI_MANIFEST},
    )
    assert huge.status_code == 413
    assert error_code(huge) == "SIZE_INVALID"


def test_index_requires_children(client: httpx.Client) -> None:
    repo = "api/index"
    child, raw_child = push_image(client, repo, "child")
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": child, "size": len(raw_child)}
        ],
    }
    ok = client.put(
        f"/v2/{repo}/manifests/idx", json=index, headers={"Content-Type": OCI_INDEX}
    )
    assert ok.status_code == 201
    index["manifests"] = [
        {"mediaType": OCI_MANIFEST, "digest": sha(b"nope"), "size": 4}
    ]
    bad = client.put(
        f"/v2/{repo}/manifests/idx2", json=index, headers={"Content-Type": OCI_INDEX}
    )
    assert error_code(bad) == "MANIFEST_BLOB_UNKNOWN"


def test_names_and_unknowns(client: httpx.Client) -> None:
    assert error_code(client.get("/v2/Upper/tags/list")) == "NAME_INVALID"
    assert error_code(client.get("/v2/a/../b/tags/list")) in {
        "NAME_INVALID",
        "NAME_UNKNOWN",
    }
    assert error_code(client.get("/v2/never/pushed/tags/list")) == "NAME_UNKNOWN"
    push_image(client, "api/unknowns", "v1")
    assert error_code(client.get("/v2/api/unknowns/manifests/v2")) == "MANIFEST_UNKNOWN"
    assert (
        error_code(client.get(f"/v2/api/unknowns/blobs/{sha(b'zz')}")) == "BLOB_UNKNOWN"
    )
    assert (
        error_code(client.get("/v2/api/unknowns/blobs/sha256:abc")) == "DIGEST_INVALID"
    )
    assert client.get("/v2/api/unknowns/blobs/md5:abc").status_code in (400, 415)


def test_tags_and_catalog_pagination(client: httpx.Client) -> None:
    repo = "api/paged"
    for tag in ("a", "b", "c", "d", "e"):
        push_image(client, repo, tag)
    first = client.get(f"/v2/{repo}/tags/list", params={"n": 2})
    assert first.json()["tags"] == ["a", "b"]
    assert 'rel="next"' in first.headers["Link"]
    second = client.get(f"/v2/{repo}/tags/list", params={"n": 2, "last": "b"})
    assert second.json()["tags"] == ["c", "d"]
    last = client.get(f"/v2/{repo}/tags/list", params={"n": 2, "last": "d"})
    assert last.json()["tags"] == ["e"]
    assert "Link" not in last.headers

    catalog = client.get("/v2/_catalog", params={"n": 1})
    assert len(catalog.json()["repositories"]) == 1
    names = client.get("/v2/_catalog").json()["repositories"]
    assert repo in names
    assert names == sorted(names)


def test_referrers(client: httpx.Client) -> None:
    repo = "api/referrers"
    subject, raw_subject = push_image(client, repo, "v1")
    descriptor = {
        "mediaType": OCI_MANIFEST,
        "digest": subject,
        "size": len(raw_subject),
    }
    empty = b"{}"
    empty_digest = upload(client, repo, empty)
    for artifact_type, payload in (
        ("application/vnd.example.sbom", b"sbom"),
        ("application/vnd.example.sig", b"sig"),
    ):
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": empty_digest,
                "size": 2,
            },
            "layers": [
                {
                    "mediaType": "application/octet-stream",
                    "digest": upload(client, repo, payload),
                    "size": len(payload),
                }
            ],
            "subject": descriptor,
            "annotations": {"org.example": artifact_type},
        }
        raw = json.dumps(manifest).encode()
        response = client.put(
            f"/v2/{repo}/manifests/{sha(raw)}",
            content=raw,
            headers={"Content-Type": OCI_MANIFEST},
        )
        assert response.status_code == 201
        assert response.headers["OCI-Subject"] == subject

    listing = client.get(f"/v2/{repo}/referrers/{subject}")
    assert listing.status_code == 200
    assert listing.headers["Content-Type"] == OCI_INDEX
    found = listing.json()["manifests"]
    assert {m["artifactType"] for m in found} == {
        "application/vnd.example.sbom",
        "application/vnd.example.sig",
    }
    assert all(m["annotations"]["org.example"] == m["artifactType"] for m in found)

    filtered = client.get(
        f"/v2/{repo}/referrers/{subject}",
        params={"artifactType": "application/vnd.example.sig"},
    )
    assert filtered.headers["OCI-Filters-Applied"] == "artifactType"
    assert [m["artifactType"] for m in filtered.json()["manifests"]] == [
        "application/vnd.example.sig"
    ]

    nothing = client.get(f"/v2/{repo}/referrers/{sha(b'unreferenced')}")
    assert nothing.status_code == 200
    assert nothing.json()["manifests"] == []


def test_delete_manifest_blob_and_tag(client: httpx.Client) -> None:
    repo = "api/delete"
    digest, _ = push_image(client, repo, "v1", layer=b"delete-me")
    push_image(client, repo, "v2", layer=b"keep-me")
    # Deleting a tag only untags.
    assert client.delete(f"/v2/{repo}/manifests/v2").status_code == 202
    assert client.get(f"/v2/{repo}/manifests/v2").status_code == 404
    assert client.delete(f"/v2/{repo}/manifests/{digest}").status_code == 202
    assert client.get(f"/v2/{repo}/manifests/{digest}").status_code == 404
    assert client.get(f"/v2/{repo}/manifests/v1").status_code == 404
    assert client.delete(f"/v2/{repo}/manifests/{digest}").status_code == 404
    layer = sha(b"delete-me")
    assert client.delete(f"/v2/{repo}/blobs/{layer}").status_code == 202
    assert client.head(f"/v2/{repo}/blobs/{layer}").status_code == 404


def test_mount_falls_back_to_upload(client: httpx.Client) -> None:
    digest = upload(client, "api/mount-src", b"mount me")
    mounted = client.post(
        "/v2/api/mount-dst/blobs/uploads/",
        params={"mount": digest, "from": "api/mount-src"},
    )
    assert mounted.status_code == 201
    assert mounted.headers["Location"].endswith(digest)
    assert client.get(f"/v2/api/mount-dst/blobs/{digest}").content == b"mount me"
    fallback = client.post(
        "/v2/api/mount-dst2/blobs/uploads/",
        params={"mount": digest, "from": "api/nothing-here"},
    )
    assert fallback.status_code == 202
    assert "/blobs/uploads/" in fallback.headers["Location"]


def test_docker_manifest_list(client: httpx.Client) -> None:
    repo = "api/docker"
    config = b'{"architecture":"amd64","os":"linux"}'
    layer = b"docker layer"
    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "digest": upload(client, repo, config),
            "size": len(config),
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "digest": upload(client, repo, layer),
                "size": len(layer),
            }
        ],
    }
    raw = json.dumps(manifest).encode()
    assert (
        client.put(
            f"/v2/{repo}/manifests/{sha(raw)}",
            content=raw,
            headers={"Content-Type": DOCKER_MANIFEST},
        ).status_code
        == 201
    )
    manifest_list = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [
            {
                "mediaType": DOCKER_MANIFEST,
                "digest": sha(raw),
                "size": len(raw),
                "platform": {"architecture": "amd64", "os": "linux"},
            }
        ],
    }
    response = client.put(
        f"/v2/{repo}/manifests/latest",
        json=manifest_list,
        headers={
            "Content-Type": "application/vnd.docker.distribution.manifest.list.v2+json"
        },
    )
    assert response.status_code == 201
    got = client.get(
        f"/v2/{repo}/manifests/latest",
        headers={"Accept": "application/vnd.docker.distribution.manifest.list.v2+json"},
    )
    assert (
        got.headers["Content-Type"]
        == "application/vnd.docker.distribution.manifest.list.v2+json"
    )


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/v2/api/a%2Fb/tags/list",
        b"/v2/api%2fpaged/tags/list",
        b"/v2/api/%2e%2e/paged/tags/list",
        b"/v2/api/../paged/tags/list",
        b"/v2/./api/paged/tags/list",
    ],
)
def test_path_tricks_are_refused(server: LiveServer, raw_path: bytes) -> None:
    # httpx would normalise dot segments, so send the request line as it is.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"GET " + raw_path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    status_line = response.split(b"\r\n", 1)[0]
    assert b" 400 " in status_line, status_line
    assert b"NAME_INVALID" in response


def test_api_version_header_on_every_v2_answer(server: LiveServer) -> None:
    anonymous = httpx.get(f"{server.url}/v2/")
    assert anonymous.status_code == 401
    assert anonymous.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    unknown = httpx.get(f"{server.url}/v2/none/here/tags/list", auth=ADMIN_CREDS_TUPLE)
    assert unknown.headers["Docker-Distribution-API-Version"] == "registry/2.0"
