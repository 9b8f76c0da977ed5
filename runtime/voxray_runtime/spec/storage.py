"""Output locations in specs: ``output.path`` parsed as a URI (an unsupported scheme is invalid, never a
local path) and ``output.s3``, the object store's endpoint, region and credentials Secret.

``s3_env`` turns ``output.s3`` into the standard environment the S3 SDK reads (``AWS_ENDPOINT_URL_S3``,
``AWS_REGION``); the operator adds the Secret's keys as ``valueFrom.secretKeyRef`` env of the RayJob's
pods, so that no credential is ever in a spec, a command line or a log. Without ``secretRef`` the SDK's
own chain applies (environment, IRSA web identity on EKS, Workload Identity / HMAC keys on GKE,
instance metadata).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from voxray_runtime.spec.common import SpecModel

#: a Secret name (DNS-1123 subdomain) and a key inside it
SECRET_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_KEY = r"^[-._a-zA-Z0-9]+$"
#: an endpoint: scheme, host and optional port (and nothing after it)
ENDPOINT = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$"


class S3SecretRef(SpecModel):
    """A Secret holding the object store's access key (AWS keys, GCS HMAC keys, MinIO/Ceph users)."""

    name: str = Field(min_length=1, max_length=253, pattern=SECRET_NAME)
    access_key_id_key: str = Field(
        default="AWS_ACCESS_KEY_ID", min_length=1, max_length=253, pattern=SECRET_KEY
    )
    secret_access_key_key: str = Field(
        default="AWS_SECRET_ACCESS_KEY", min_length=1, max_length=253, pattern=SECRET_KEY
    )
    #: optional key of a session token (temporary credentials)
    session_token_key: str | None = Field(default=None, min_length=1, max_length=253, pattern=SECRET_KEY)


class S3OutputSpec(SpecModel):
    """Where an ``s3://`` output lives: the endpoint (leave out for AWS), region, addressing, Secret."""

    endpoint: str | None = Field(default=None, max_length=512, pattern=ENDPOINT)
    region: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    #: path-style requests (``endpoint/bucket/key``): what MinIO and Ceph usually need
    path_style: bool = False
    secret_ref: S3SecretRef | None = None


class WithS3Output(SpecModel):
    """An output spec with an optional ``s3`` block, left out of dumps while unset: the spec hash (and
    every serialised spec) of an output that does not use an object store stays what it was."""

    s3: S3OutputSpec | None = None

    @model_serializer(mode="wrap")
    def _without_unset_s3(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.s3 is None and isinstance(data, dict):
            data.pop("s3", None)
        return data


def s3_env(s3: S3OutputSpec | None) -> dict[str, str]:
    """The environment that points the S3 SDK at ``s3`` (no credentials: those come from the Secret)."""
    if s3 is None:
        return {}
    env: dict[str, str] = {}
    if s3.endpoint:
        env["AWS_ENDPOINT_URL_S3"] = s3.endpoint.rstrip("/")
    if s3.region:
        env["AWS_REGION"] = s3.region
    if s3.path_style:
        env["VOXRAY_S3_ADDRESSING"] = "path"
    return env


def check_output_location(path: str, s3: S3OutputSpec | None, volume_claim: str | None) -> None:
    """ValueError when ``path`` has an unsupported scheme, or ``s3``/``volumeClaim`` do not fit it."""
    from voxray_runtime.storage.location import ObjectPrefix, parse_location

    location = parse_location(path, field="")
    if isinstance(location, ObjectPrefix):
        if volume_claim:
            raise ValueError(f"output.volumeClaim is set but output.path {path!r} is an object store")
    elif s3 is not None:
        raise ValueError(f"output.s3 is set but output.path {path!r} is not an s3:// URI")
