"""Output locations are URIs: local paths, file:// and s3:// are taken; any other scheme, a malformed
s3 URI or an unsafe prefix is refused naming the field (never a local folder named ``s3:``). Pure."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from voxray_runtime.serve.args import AppArgs
from voxray_runtime.spec.speechbatch import BatchOutputSpec
from voxray_runtime.spec.storage import S3OutputSpec, s3_env
from voxray_runtime.spec.voicemodel import OutputSpec
from voxray_runtime.storage.location import (
    LocationError,
    ObjectPrefix,
    parse_location,
    parse_worker_location,
)
from voxray_runtime.storage.objects import checked_name
from voxray_runtime.storage.paths import UnsafePathError
from voxray_runtime.storage.store import resolve_location


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("audio-output", Path("audio-output")),
        ("/data/audio", Path("/data/audio")),
        ("file:///data/audio", Path("/data/audio")),
        ("file://localhost/data/a%20b", Path("/data/a b")),
        ("C:\\audio", Path("C:\\audio")),
        ("s3://posts/run1", ObjectPrefix("posts", "run1")),
        ("s3://posts", ObjectPrefix("posts", "")),
        ("s3://posts/", ObjectPrefix("posts", "")),
        ("s3://my.bucket-1/a/b/c/", ObjectPrefix("my.bucket-1", "a/b/c")),
        ("S3://posts/run1", ObjectPrefix("posts", "run1")),
    ],
)
def test_accepted(value: str, expected: object) -> None:
    assert parse_location(value, "--out") == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("gs://posts/run1", "scheme 'gs'"),
        ("http://minio:9000/posts", "scheme 'http'"),
        ("az://c/p", "scheme 'az'"),
        ("s3:/posts/run1", "malformed"),
        ("s3:posts", "malformed"),
        ("s3://", "not a valid bucket"),
        ("s3://Posts/run1", "not a valid bucket"),
        ("s3://ab/run1", "not a valid bucket"),
        ("s3://posts/../etc", "unsafe"),
        ("s3://posts/a/.hidden", "unsafe"),
        ("s3://posts/run1?x=1", "query"),
        ("file://remote-host/x", "remote host"),
        ("file:relative", "not a file URI"),
        ("", "empty"),
    ],
)
def test_refused_naming_the_field(value: str, says: str) -> None:
    with pytest.raises(LocationError) as err:
        parse_location(value, "--out")
    assert str(err.value).startswith("--out: ")
    assert says in str(err.value)


def test_object_prefix_joins_and_prints() -> None:
    root = ObjectPrefix("posts", "run1")
    assert str(root / "a.mp3") == "s3://posts/run1/a.mp3"
    assert resolve_location(root, "x/a.mp3") == ObjectPrefix("posts", "run1/x/a.mp3")
    with pytest.raises(UnsafePathError):
        resolve_location(root, "../other/a.mp3")
    assert ObjectPrefix("posts").key("a.mp3") == "a.mp3"


def test_worker_location_carries_the_connection_options() -> None:
    root = ObjectPrefix(
        "posts", "run1", endpoint="http://127.0.0.1:9000", region="eu-west-1", path_style=True
    )
    assert str(root) == "s3://posts/run1"
    assert str(root.resolve()).startswith("s3://posts/run1?endpoint=http")
    assert parse_worker_location(str(root.resolve())) == root
    assert parse_worker_location("s3://posts/run1") == ObjectPrefix("posts", "run1")
    assert root.uri == "s3://posts/run1"


@pytest.mark.parametrize(
    ("name", "ok"),
    [("a.mp3", True), (".voxray-batch-running", True), (".voxray-journal/m/x.json", True),
     ("run1/.voxray-batch-running", True), ("run1/.other", False),
     (".hidden", False), ("../x", False), ("/abs", False), ("a/../../x", False)],
)  # fmt: skip
def test_object_names(name: str, ok: bool) -> None:
    if ok:
        assert checked_name(name) == name
    else:
        with pytest.raises(UnsafePathError):
            checked_name(name)


def test_specs_refuse_unsupported_schemes() -> None:
    for model in (BatchOutputSpec, OutputSpec):
        with pytest.raises(ValidationError) as err:
            model.model_validate({"path": "gs://posts/run1"})
        assert err.value.errors()[0]["loc"] == ("path",)
        assert "scheme 'gs'" in str(err.value)
        model.model_validate({"path": "s3://posts/run1", "s3": {"endpoint": "http://minio:9000"}})
    with pytest.raises(ValidationError, match=r"outputDir|output_dir"):
        AppArgs.model_validate({"outputDir": "gs://x/y"})
    with pytest.raises(ValidationError, match="not an s3:// URI"):
        BatchOutputSpec.model_validate({"path": "/data", "s3": {"region": "us-east-1"}})
    with pytest.raises(ValidationError, match="object store"):
        BatchOutputSpec.model_validate({"path": "s3://posts/x", "volumeClaim": "pvc"})
    with pytest.raises(ValidationError):
        S3OutputSpec.model_validate({"endpoint": "ftp://x"})
    with pytest.raises(ValidationError):
        S3OutputSpec.model_validate({"secretRef": {"name": "Bad_Name"}})


def test_s3_env() -> None:
    s3 = S3OutputSpec.model_validate(
        {
            "endpoint": "http://minio:9000/",
            "region": "eu-west-1",
            "pathStyle": True,
            "secretRef": {"name": "s3"},
        }
    )
    assert s3_env(s3) == {
        "AWS_ENDPOINT_URL_S3": "http://minio:9000",
        "AWS_REGION": "eu-west-1",
        "VOXRAY_S3_ADDRESSING": "path",
    }
    assert s3_env(None) == {}
