"""The object store behind an ``s3://bucket/prefix`` output: whole objects, never partial ones.

S3 (and its GCS, MinIO and Ceph peers) makes an object visible only when its PUT completed, so every
write here is one ``PutObject`` of the whole bytes (with the SDK's integrity checksum): a reader, or a
rerun after ``kill -9``, sees the old object, the whole new one, or none. boto3 does the signing, the
credential chain (environment, shared config, IRSA web identity, ECS/EC2 metadata; GCS HMAC keys) and
the retries (``standard`` mode: 5xx, throttling and connection errors, with backoff).

Endpoint and region come from the standard environment (``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``,
``AWS_REGION``), which ``spec.output.s3`` sets for a SpeechBatch. Every key is ``prefix/name`` with
``name`` checked by :func:`voxray_runtime.storage.paths.check_output_name`: nothing is read or written
outside the prefix.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from typing import Any

from voxray_runtime.storage.location import ObjectPrefix
from voxray_runtime.storage.paths import check_output_name

#: attempts per request (the first included) for 5xx, throttling and dropped connections
MAX_ATTEMPTS = 8
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0


#: voxray's own objects (the running marker, the manifest journal, the write probe) start with this
INTERNAL_PREFIX = ".voxray-"


class ObjectStoreError(OSError):
    """A request the object store refused or could not answer (after retries); says which and why."""


_lock = threading.Lock()


def checked_name(name: str) -> str:
    """``name`` when safe to store, or one of voxray's own (``.voxray-*``); else UnsafePathError."""
    segments = name.split("/")
    check_output_name("/".join(s[1:] if s.startswith(INTERNAL_PREFIX) else s for s in segments))
    return name


@functools.lru_cache(maxsize=8)
def _client(endpoint: str | None, region: str | None, addressing: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        s3={"addressing_style": addressing},
    )
    with _lock:  # boto3's default session is not thread-safe while it creates clients
        session = boto3.session.Session()
        return session.client("s3", endpoint_url=endpoint, region_name=region, config=config)


def client(root: ObjectPrefix) -> Any:
    """The S3 client for ``root``: its own endpoint, region and addressing (``spec.output.s3``), else the
    standard environment's (cached per endpoint, region and addressing)."""
    env = os.environ
    endpoint = root.endpoint or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
    region = root.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
    addressing = "path" if root.path_style else env.get("VOXRAY_S3_ADDRESSING", "auto")
    return _client(endpoint, region, addressing)


def _error(exc: Exception, action: str, where: str) -> ObjectStoreError:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "?")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        hint = " (check the credentials and the bucket's policy)" if code in ("AccessDenied", "403") else ""
        return ObjectStoreError(
            f"{action} {where} failed: {code} (HTTP {status}): {err.get('Message', '')}{hint}"
        )
    return ObjectStoreError(f"{action} {where} failed: {type(exc).__name__}: {exc}")


def _not_found(exc: Exception) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


class ObjectStore:
    """Whole-object reads and writes under one ``s3://bucket/prefix``."""

    def __init__(self, root: ObjectPrefix) -> None:
        self.root = root

    def key(self, name: str) -> str:
        """``prefix/name``; voxray's own hidden names (``.voxray-*``) pass, no other hidden name does."""
        return self.root.key(checked_name(name))

    def uri(self, name: str) -> str:
        return f"{self.root.scheme}://{self.root.bucket}/{self.key(name)}"

    def put(self, name: str, data: bytes, content_type: str | None = None) -> str:
        """Write ``data`` as the whole object ``name``; returns its URI. ObjectStoreError when refused."""
        key = self.key(name)
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        try:
            client(self.root).put_object(Bucket=self.root.bucket, Key=key, Body=data, **extra)
        except Exception as exc:
            raise _error(exc, "writing", self.uri(name)) from None
        return self.uri(name)

    def get(self, name: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""
        try:
            body = client(self.root).get_object(Bucket=self.root.bucket, Key=self.key(name))["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()
        except Exception as exc:
            if _not_found(exc):
                return None
            raise _error(exc, "reading", self.uri(name)) from None

    def _head(self, name: str) -> dict[str, Any] | None:
        """The object's HEAD response, or None when it does not exist."""
        try:
            head: dict[str, Any] = client(self.root).head_object(Bucket=self.root.bucket, Key=self.key(name))
        except Exception as exc:
            if _not_found(exc):
                return None
            raise _error(exc, "reading", self.uri(name)) from None
        return head

    def size(self, name: str) -> int | None:
        """The object's size, or None when it does not exist."""
        head = self._head(name)
        return None if head is None else int(head["ContentLength"])

    def modified(self, name: str) -> float | None:
        """The object's last-modified time (epoch seconds), or None when it does not exist."""
        head = self._head(name)
        return None if head is None else float(head["LastModified"].timestamp())

    def delete(self, name: str) -> None:
        try:
            client(self.root).delete_object(Bucket=self.root.bucket, Key=self.key(name))
        except Exception as exc:
            if not _not_found(exc):
                raise _error(exc, "deleting", self.uri(name)) from None

    def names(self, under: str = "") -> Iterator[tuple[str, int]]:
        """(name relative to the prefix, size) of every object under ``under`` (all when empty)."""
        base = self.root.prefix + "/" if self.root.prefix else ""
        prefix = base + (checked_name(under.strip("/")) + "/" if under.strip("/") else "")
        try:
            pages = (
                client(self.root)
                .get_paginator("list_objects_v2")
                .paginate(Bucket=self.root.bucket, Prefix=prefix)
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    yield obj["Key"][len(base) :], int(obj["Size"])
        except Exception as exc:
            raise _error(exc, "listing", f"{self.root}/{under}") from None

    def check_writable(self) -> None:
        """Fail early (ObjectStoreError) when the prefix cannot be written: a small probe object."""
        probe = INTERNAL_PREFIX + "write-check"
        self.put(probe, b"ok\n")
        self.delete(probe)
