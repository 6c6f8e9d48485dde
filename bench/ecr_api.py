"""Seawall's ECR API against moto's ECR server, side by side in one run.

moto (the library behind LocalStack's ECR) is the usual local stand-in for
ECR; both servers get the same boto3 calls from the same client:

- push: per image, two blobs through InitiateLayerUpload/UploadLayerPart/
  CompleteLayerUpload (a 64 KiB layer and a config) and a PutImage with a
  tag, in images per second;
- BatchGetImage by tag, DescribeImages (a page of 100) and
  DescribeRepositories (all), in requests per second with 1 and 8 clients.

Seawall verifies every SigV4 signature, evaluates IAM policies, writes the
audit trail and stores to SQLite and disk; moto keeps everything in memory
and checks no signature. The figures are medians of ``--repeats`` rounds
that alternate between the servers. Run ``python -m bench.ecr_api`` from the
repository root; the table replaces the "ECR API" section of
docs/benchmarks.md and is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from bench.common import (
    free_port,
    markdown_table,
    median,
    running,
    scratch_dir,
    write_section,
)

COMMAND = ".venv/bin/python -m bench.ecr_api"
KEY_ID = "AKIASEAWALLBENCH0001"
SECRET = "seawall-bench-secret-0123456789abcdefghij"  # noqa: S105 - loopback only
REPO = "bench/app"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@contextmanager
def seawall(scratch: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "SEAWALL_DATA_DIR": str(scratch / "seawall"),
        "SEAWALL_LISTEN": f"127.0.0.1:{port}",
        "SEAWALL_ACCESS_LOG": "false",
        "SEAWALL_ADMIN_ACCESS_KEY_ID": KEY_ID,
        "SEAWALL_ADMIN_SECRET_ACCESS_KEY": SECRET,
    }
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "seawall.cli.main", "serve"]
    with running(argv, url + "/v2/", scratch / "seawall.log", env):
        yield url


@contextmanager
def moto(scratch: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [str(Path(sys.executable).with_name("moto_server")), "-p", str(port)]
    with running(argv, url + "/moto-api/", scratch / "moto.log"):
        yield url


def client(url: str) -> Any:
    return boto3.client(
        "ecr",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=Config(retries={"max_attempts": 1}, max_pool_connections=16),
    )


def _blob(ecr: Any, data: bytes) -> str:
    upload = ecr.initiate_layer_upload(repositoryName=REPO)["uploadId"]
    ecr.upload_layer_part(
        repositoryName=REPO,
        uploadId=upload,
        partFirstByte=0,
        partLastByte=len(data) - 1,
        layerPartBlob=data,
    )
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    ecr.complete_layer_upload(
        repositoryName=REPO, uploadId=upload, layerDigests=[digest]
    )
    return digest


def push(ecr: Any, count: int, salt: str) -> float:
    """Images pushed per second."""
    started = time.perf_counter()
    for n in range(count):
        layer = os.urandom(64 * 1024)
        config = json.dumps({"os": "linux", "n": f"{salt}-{n}"}).encode()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": _blob(ecr, config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": _blob(ecr, layer),
                        "size": len(layer),
                    }
                ],
            }
        )
        ecr.put_image(
            repositoryName=REPO, imageManifest=manifest, imageTag=f"{salt}-{n}"
        )
    return count / (time.perf_counter() - started)


def rate(call: Callable[[], Any], clients: int, seconds: float) -> float:
    """Calls per second of ``call`` from ``clients`` threads for ``seconds``."""
    counts = [0] * clients
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        while time.monotonic() < deadline:
            call()
            counts[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def measure(url: str, round_: int, images: int, seconds: float) -> dict[str, float]:
    ecr = client(url)
    if round_ == 0:
        ecr.create_repository(repositoryName=REPO)
        for n in range(20):
            ecr.create_repository(repositoryName=f"bench/extra-{n:02d}")
    out = {"push (images/s)": push(ecr, images, f"r{round_}")}
    calls = {
        "BatchGetImage": lambda: ecr.batch_get_image(
            repositoryName=REPO, imageIds=[{"imageTag": f"r{round_}-0"}]
        ),
        "DescribeImages (100)": lambda: ecr.describe_images(
            repositoryName=REPO, maxResults=100
        ),
        "DescribeRepositories": ecr.describe_repositories,
    }
    for name, call in calls.items():
        for clients in (1, 8):
            out[f"{name}, {clients} client(s) (req/s)"] = rate(call, clients, seconds)
    return out


def run(repeats: int, images: int, seconds: float) -> str:
    results: dict[str, dict[str, list[float]]] = {"seawall": {}, "moto": {}}
    with (
        scratch_dir(None, "seawall-bench-ecr-") as scratch,
        seawall(scratch) as seawall_url,
        moto(scratch) as moto_url,
    ):
        for round_ in range(repeats):
            for name, url in (("seawall", seawall_url), ("moto", moto_url)):
                for metric, value in measure(url, round_, images, seconds).items():
                    results[name].setdefault(metric, []).append(value)
    rows = []
    for metric, values in results["seawall"].items():
        ours, peer = median(values), median(results["moto"][metric])
        rows.append([metric, f"{ours:.1f}", f"{peer:.1f}", f"{ours / peer:.2f}"])
    table = markdown_table(["measure", "Seawall", "moto", "Seawall / moto"], rows)
    from importlib import metadata

    return (
        f"Command: `{COMMAND} --repeats {repeats} --images {images} "
        f"--seconds {seconds:g}`; moto {metadata.version('moto')}, boto3 "
        f"{metadata.version('boto3')}, on this 2-core machine shared with other "
        "work. Higher is better for both. Seawall verifies SigV4, evaluates "
        "policies, writes the audit trail and persists to SQLite and disk; moto "
        "does none of these (in-memory, unsigned), so it marks the cost of the "
        "protocol alone.\n\n" + table
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ecr_api")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    section = run(args.repeats, args.images, args.seconds)
    write_section("ECR API", section)
    print(section)


if __name__ == "__main__":
    main()
