"""The object store behind s3:// outputs, against a real S3-compatible server (moto) on 127.0.0.1:
whole objects, retried 5xx without loss, a refused bucket answered with a clear error, nothing read or
written outside the prefix, and the manifest's journal and compaction on objects."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from voxray_runtime.batch.manifest import ManifestWriter, compact, read_entries
from voxray_runtime.storage.location import ObjectPrefix
from voxray_runtime.storage.objects import ObjectStore, ObjectStoreError
from voxray_runtime.storage.paths import UnsafePathError
from voxray_runtime.storage.store import store_output

from .s3server import Faults, Proxy

pytestmark = pytest.mark.timeout(60)


def _root(url: str, bucket: str, prefix: str = "run1") -> ObjectPrefix:
    return ObjectPrefix(bucket, prefix, endpoint=url, region="us-east-1", path_style=True)


def test_put_get_list_inside_the_prefix(s3: Any, s3_url: str) -> None:
    s3.create_bucket(Bucket="store-basic")
    store = ObjectStore(_root(s3_url, "store-basic"))
    data = bytes(range(256)) * 100
    assert store.put("a/b.mp3", data) == "s3://store-basic/run1/a/b.mp3"
    assert store.get("a/b.mp3") == data
    assert store.size("a/b.mp3") == len(data)
    assert store.get("missing.mp3") is None
    assert store.size("missing.mp3") is None
    assert sorted(store.names()) == [("a/b.mp3", len(data))]
    for bad in ("../run2/x.mp3", "/abs.mp3", "a/../../x", ".hidden"):
        with pytest.raises(UnsafePathError):
            store.put(bad, b"x")
    s3.put_object(Bucket="store-basic", Key="run2/other.mp3", Body=b"not ours")
    assert sorted(store.names()) == [("a/b.mp3", len(data))]  # a sibling prefix is never listed
    # what a Ray worker receives: the URI with the connection options
    assert store_output(str(store.root.resolve()), "c.mp3", b"c") == "s3://store-basic/run1/c.mp3"
    assert s3.get_object(Bucket="store-basic", Key="run1/c.mp3")["Body"].read() == b"c"


def test_failed_writes_are_retried_and_nothing_is_lost(s3: Any, proxy: Proxy, faults: Faults) -> None:
    s3.create_bucket(Bucket="store-flaky")
    faults.every = 2
    store = ObjectStore(_root(proxy.url, "store-flaky"))
    blobs = {f"f{i:02d}.mp3": hashlib.sha256(str(i).encode()).digest() * (50 + i) for i in range(12)}
    for name, data in blobs.items():
        store.put(name, data)
    assert {code for _, code in faults.injected} == {500, 503}
    for name, data in blobs.items():  # read straight from the server, past the proxy
        assert s3.get_object(Bucket="store-flaky", Key=f"run1/{name}")["Body"].read() == data
    assert len(list(store.names())) == len(blobs)


def test_a_bucket_without_permission_is_a_clear_error(s3: Any, proxy: Proxy, faults: Faults) -> None:
    s3.create_bucket(Bucket="store-denied")
    s3.put_object(Bucket="store-denied", Key="run1/kept.mp3", Body=b"earlier")
    faults.denied.add("store-denied")
    store = ObjectStore(_root(proxy.url, "store-denied"))
    with pytest.raises(
        ObjectStoreError, match=r"AccessDenied \(HTTP 403\).*credentials and the bucket's policy"
    ):
        store.check_writable()
    with pytest.raises(ObjectStoreError, match=re.escape("s3://store-denied/run1/x.mp3")):
        store.put("x.mp3", b"x")
    assert s3.get_object(Bucket="store-denied", Key="run1/kept.mp3")["Body"].read() == b"earlier"


def test_manifest_journal_then_compaction(s3: Any, s3_url: str) -> None:
    s3.create_bucket(Bucket="store-manifest")
    root = _root(s3_url, "store-manifest")
    store = ObjectStore(root)
    store.put("a.mp3", b"aaaa")
    store.put("b.mp3", b"bb")
    manifest = root / "manifest.jsonl"
    with ManifestWriter(manifest) as w:
        for name, data in (("a.mp3", b"aaaa"), ("b.mp3", b"bb")):
            w.append({"name": name, "size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        w.append({"name": "gone.mp3", "size_bytes": 1, "sha256": "0"})
    assert set(read_entries(manifest)) == {"a.mp3", "b.mp3", "gone.mp3"}
    assert any(n.startswith(".voxray-journal/") for n, _ in store.names())
    kept = compact(manifest, root)
    assert set(kept) == {"a.mp3", "b.mp3"}
    assert not any(n.startswith(".voxray-journal/") for n, _ in store.names())
    assert set(read_entries(manifest)) == {"a.mp3", "b.mp3"}
    lines = store.get("manifest.jsonl")
    assert lines is not None
    assert lines.decode().count("\n") == 2
