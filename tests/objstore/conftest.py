"""An S3-compatible server (moto 5 in server mode) on 127.0.0.1 for the session, a fault proxy in front
of it per test, and the credentials the SDK needs (set at import, so that Ray workers started later
inherit them; moto accepts any)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from .s3server import Faults, Proxy, free_port

for _k, _v in {
    "AWS_ACCESS_KEY_ID": "voxray-test",
    "AWS_SECRET_ACCESS_KEY": "voxray-test-secret",
    "AWS_EC2_METADATA_DISABLED": "true",
}.items():
    os.environ.setdefault(_k, _v)


@pytest.fixture(scope="session")
def s3_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_url: str) -> Any:
    """A boto3 client of the test server (for the test's own checks)."""
    import boto3

    return boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1")


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def proxy(s3_url: str, faults: Faults) -> Iterator[Proxy]:
    p = Proxy(s3_url, faults).start()
    try:
        yield p
    finally:
        p.stop()
