"""Output locations voxray cannot write are refused before anything starts: an unsupported scheme (exit
2 naming the flag or field, no local folder named after it) and a bucket that refuses writes (exit 1
with the store's reason; what the bucket held is kept). No Ray starts in these tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.batch.helpers import short_spec, write_doc
from tests.batch.test_batch_run import batch_args
from voxray_runtime.batch.cli import EXIT_FAILED, EXIT_INVALID, run_batch
from voxray_runtime.cli import build_parser

from .s3server import Faults, Proxy

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("out", "spec_path", "says"),
    [
        ("gs://posts/run1", None, "--out: the scheme 'gs'"),
        ("s3:/posts/run1", None, "--out: 's3:/posts/run1' is malformed"),
        ("http://minio/posts", None, "--out: the scheme 'http'"),
        (None, "gs://posts/run1", "spec.output.path"),
    ],
)
def test_unsupported_output_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    out: str | None,
    spec_path: str | None,
    says: str,
) -> None:
    spec = short_spec(output={"path": spec_path}) if spec_path else short_spec()
    path = write_doc(tmp_path / "batch.yaml", spec)
    monkeypatch.chdir(tmp_path)
    assert run_batch(batch_args(path, out, progress="none")) == EXIT_INVALID
    err = capsys.readouterr().err
    assert says in err
    assert "never taken as a local path" in err or "malformed" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.yaml"]


def test_serve_refuses_an_unsupported_output_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["serve", "--output-dir", "gs://posts/speech"])
    assert args.func(args) == 2
    assert "--output-dir: the scheme 'gs'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_bucket_without_permission_stops_before_any_work(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    s3: Any,
    proxy: Proxy,
    faults: Faults,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s3.create_bucket(Bucket="locked")
    s3.put_object(Bucket="locked", Key="run1/post_01_female_en-GB.mp3", Body=b"an earlier run")
    faults.denied.add("locked")
    spec = short_spec(output={"path": "s3://locked/run1", "s3": {"endpoint": proxy.url, "pathStyle": True}})
    path = write_doc(tmp_path / "batch.yaml", spec)
    monkeypatch.chdir(tmp_path)
    assert run_batch(batch_args(path, None, progress="none")) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "AccessDenied (HTTP 403)" in err
    assert "s3://locked/run1/" in err
    listed = s3.list_objects_v2(Bucket="locked")["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("run1/post_01_female_en-GB.mp3", 14)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.yaml"]


@pytest.mark.parametrize(
    ("output_dir", "says"),
    [("gs://x/y", "--output-dir: the scheme 'gs'"), ("s3://posts/run1", "lifecycle rule")],
)
def test_retention_refuses_what_it_cannot_sweep(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    output_dir: str,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["retention", "--output-dir", output_dir, "--ttl", "1h"])
    assert args.func(args) == 2
    assert says in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
