"""Manifest and index parsing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from seawall.errors import ManifestInvalid, Unsupported
from seawall.oci import mediatypes as mt
from seawall.oci.digest import Digest
from seawall.oci.manifest import parse_manifest

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


def image(**extra: Any) -> dict[str, Any]:
    return {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": {"mediaType": mt.OCI_CONFIG, "digest": D1, "size": 10},
        "layers": [{"mediaType": mt.OCI_LAYER_GZIP, "digest": D2, "size": 20}],
        **extra,
    }


def raw(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def test_image_manifest() -> None:
    body = raw(image(annotations={"a": "b"}))
    manifest = parse_manifest(body, mt.OCI_MANIFEST)
    assert manifest.digest == Digest.of(body)
    assert [str(d.digest) for d in manifest.blob_references] == [D1, D2]
    assert manifest.effective_artifact_type == mt.OCI_CONFIG
    assert manifest.annotations == {"a": "b"}
    assert not manifest.is_index


def test_artifact_with_subject() -> None:
    doc = image(
        artifactType="application/vnd.example",
        subject={"mediaType": mt.OCI_MANIFEST, "digest": D1, "size": 5},
    )
    manifest = parse_manifest(raw(doc), None)
    assert manifest.subject is not None
    assert str(manifest.subject.digest) == D1
    assert manifest.effective_artifact_type == "application/vnd.example"


def test_index_and_media_type_from_shape() -> None:
    doc = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": mt.OCI_MANIFEST, "digest": D1, "size": 3}],
    }
    manifest = parse_manifest(raw(doc), None)
    assert manifest.is_index
    assert manifest.media_type == mt.OCI_INDEX
    assert [str(d.digest) for d in manifest.manifests] == [D1]


def test_sha512_digest_of_manifest() -> None:
    body = raw(image())
    manifest = parse_manifest(body, mt.OCI_MANIFEST, "sha512")
    assert manifest.digest == Digest.of(body, "sha512")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{", mt.OCI_MANIFEST),
        (b"[]", mt.OCI_MANIFEST),
        (raw({**image(), "schemaVersion": 1}), mt.OCI_MANIFEST),
        (raw({**image(), "config": "x"}), mt.OCI_MANIFEST),
        (raw({**image(), "layers": {}}), mt.OCI_MANIFEST),
        (
            raw(
                {**image(), "layers": [{"mediaType": "x", "digest": "bad", "size": 1}]}
            ),
            None,
        ),
        (
            raw({**image(), "layers": [{"mediaType": "x", "digest": D1, "size": -1}]}),
            None,
        ),
        (
            raw(
                {**image(), "layers": [{"mediaType": "x", "digest": D1, "size": True}]}
            ),
            None,
        ),
        (raw(image()), mt.DOCKER_MANIFEST),  # body says OCI, header says Docker
        (raw({**image(), "mediaType": "text/plain"}), None),
        (raw({**image(), "annotations": {"a": 1}}), None),
        (raw({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": "x"}), None),
        (b"\xff\xfe", None),
    ],
)
def test_invalid_manifests(body: bytes, content_type: str | None) -> None:
    with pytest.raises(ManifestInvalid):
        parse_manifest(body, content_type)


def test_schema1_is_unsupported() -> None:
    with pytest.raises(Unsupported):
        parse_manifest(raw({"schemaVersion": 1}), mt.DOCKER_SCHEMA1_SIGNED)
