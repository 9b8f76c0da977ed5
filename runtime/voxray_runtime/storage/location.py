"""Output locations: every place voxray takes an output directory parses it here, as a URI.

``parse_location`` is pure. A value is either a local path (no scheme, or ``file://``) or an object
store prefix (``s3://bucket/prefix``: AWS S3, GCS through its S3 interoperability, MinIO, Ceph). Any
other scheme (``gs://``, ``http://``, a typo such as ``s3:/bucket``) is refused with a message naming
the field, so that ``voxray batch --out s3:/posts`` never becomes a local folder named ``s3:``.

A Windows-style drive (``C:\\audio``) is not a scheme: single letters are taken as local paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode

from voxray_runtime.storage.naming import NamingError

#: schemes voxray writes to, besides plain paths
OBJECT_SCHEMES = ("s3",)
#: what the refusal lists as accepted
SUPPORTED = "a local path, file:///path or s3://bucket/prefix"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
#: S3 bucket names (the rules AWS, GCS and MinIO share): 3-63 of a-z 0-9 . -, starting and ending alnum
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class LocationError(NamingError):
    """An output location voxray cannot write to; the message names the field and says why."""


@dataclass(frozen=True)
class ObjectPrefix:
    """``s3://bucket/prefix``: where objects go. Behaves like a directory path where the batch code
    needs one (``resolve``, ``/``, ``str``); keys are ``prefix/name``."""

    bucket: str
    prefix: str = ""
    scheme: str = "s3"
    #: the endpoint, region and addressing of ``spec.output.s3`` (None: the standard environment's)
    endpoint: str | None = None
    region: str | None = None
    path_style: bool = False

    def resolve(self) -> ObjectPrefix:
        """The form a Ray worker receives its output location in: ``str`` of it carries the connection
        options (:func:`parse_worker_location` reads them back)."""
        return WorkerPrefix(**{f.name: getattr(self, f.name) for f in fields(ObjectPrefix)})

    def __truediv__(self, name: str) -> ObjectPrefix:
        return replace(self, prefix=self.key(name))

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    @property
    def name(self) -> str:
        return self.prefix.rsplit("/", 1)[-1] if self.prefix else self.bucket

    @property
    def uri(self) -> str:
        """``s3://bucket/prefix`` alone."""
        base = f"{self.scheme}://{self.bucket}"
        return f"{base}/{self.prefix}" if self.prefix else base

    def __str__(self) -> str:
        return self.uri


@dataclass(frozen=True)
class WorkerPrefix(ObjectPrefix):
    """An :class:`ObjectPrefix` whose ``str`` is the URI with its connection options as a query."""

    def resolve(self) -> ObjectPrefix:
        return self

    def __str__(self) -> str:
        opts = {
            "endpoint": self.endpoint,
            "region": self.region,
            "addressing": "path" if self.path_style else None,
        }
        query = urlencode({k: v for k, v in opts.items() if v})
        return f"{self.uri}?{query}" if query else self.uri


Location = Path | ObjectPrefix


def _at(field: str) -> str:
    return f"{field}: " if field else ""


def is_object_uri(value: str) -> bool:
    return value.startswith(tuple(f"{s}://" for s in OBJECT_SCHEMES))


def parse_location(value: str | Path | ObjectPrefix, field: str = "output") -> Location:
    """The output location ``value`` names; LocationError (naming ``field``) for an unsupported scheme, a
    malformed object URI or an empty value."""
    if isinstance(value, ObjectPrefix):
        return value
    if isinstance(value, Path):
        value = str(value)
    if not value or not value.strip():
        raise LocationError(f"{_at(field)}the output location is empty")
    m = _SCHEME.match(value)
    if m is None or len(m.group(1)) == 1:
        return Path(value)
    scheme = m.group(1).lower()
    rest = value[m.end() :]
    if scheme == "file":
        if not rest.startswith("//"):
            raise LocationError(
                f"{_at(field)}{value!r} is not a file URI; use file:///absolute/path or a plain path"
            )
        host, _, path = rest[2:].partition("/")
        if host not in ("", "localhost"):
            raise LocationError(f"{_at(field)}{value!r} names a remote host; file URIs must be local")
        return Path("/" + unquote(path))
    if scheme not in OBJECT_SCHEMES:
        raise LocationError(
            f"{_at(field)}the scheme {scheme!r} of {value!r} is not supported (use {SUPPORTED}); "
            "it is never taken as a local path"
        )
    if not rest.startswith("//"):
        raise LocationError(f"{_at(field)}{value!r} is malformed; write {scheme}://bucket/prefix")
    return parse_object_uri(scheme, rest[2:], value, field)


def parse_object_uri(scheme: str, rest: str, value: str, field: str) -> ObjectPrefix:
    bucket, _, prefix = rest.partition("/")
    if "?" in rest or "#" in rest:
        raise LocationError(f"{_at(field)}{value!r} has a query or fragment; object URIs take neither")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise LocationError(f"{_at(field)}{bucket!r} in {value!r} is not a valid bucket name")
    prefix = prefix.strip("/")
    if prefix:
        from voxray_runtime.storage.paths import UnsafePathError, check_output_name

        try:
            check_output_name(prefix)
        except UnsafePathError as exc:
            raise LocationError(f"{_at(field)}the prefix of {value!r} is unsafe: {exc}") from None
    return ObjectPrefix(bucket=bucket, prefix=prefix, scheme=scheme)


def check_location(value: str, field: str) -> str:
    """``value`` unchanged when :func:`parse_location` accepts it (for validators); else LocationError."""
    parse_location(value, field)
    return value


def parse_worker_location(value: str) -> ObjectPrefix:
    """An object location as ``str(ObjectPrefix)`` wrote it, connection options included."""
    base, _, query = value.partition("?")
    found = parse_location(base, field="output")
    if not isinstance(found, ObjectPrefix):
        raise LocationError(f"{value!r} is not an object store location")
    opts = {k: v[-1] for k, v in parse_qs(query).items()}
    return replace(
        found,
        endpoint=opts.get("endpoint"),
        region=opts.get("region"),
        path_style=opts.get("addressing") == "path",
    )
