"""An object store output (``s3://`` ``output.path``) on the pods of a RayJob or a RayService.

The URI goes to the runtime as it is (``voxray batch --out``, the app's ``outputDir``), with no output
volume. Every Ray container gets the standard SDK environment of ``output.s3`` (``AWS_ENDPOINT_URL_S3``,
``AWS_REGION``, path-style addressing) and, with ``output.s3.secretRef``, ``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` (and ``AWS_SESSION_TOKEN``) as ``valueFrom.secretKeyRef``: read by the kubelet,
never by the operator, never in a spec, an argument or a log. Without a secretRef the SDK's own chain
applies (IRSA on EKS, Workload Identity on GKE, instance metadata) through the pods' service account.
"""

from __future__ import annotations

from typing import Any

from voxray_runtime.spec.storage import S3OutputSpec, s3_env
from voxray_runtime.storage.location import is_object_uri


def is_object_path(path: str) -> bool:
    return is_object_uri(path.lower())


def object_store_env(path: str, s3: S3OutputSpec | None) -> list[dict[str, Any]]:
    """``env`` entries for an object store output at ``path`` (none for a local path or no ``s3``)."""
    if s3 is None or not is_object_path(path):
        return []
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in s3_env(s3).items()]
    ref = s3.secret_ref
    if ref is None:
        return env
    keys = [
        ("AWS_ACCESS_KEY_ID", ref.access_key_id_key),
        ("AWS_SECRET_ACCESS_KEY", ref.secret_access_key_key),
    ]
    if ref.session_token_key:
        keys.append(("AWS_SESSION_TOKEN", ref.session_token_key))
    return env + [{"name": e, "valueFrom": {"secretKeyRef": {"name": ref.name, "key": k}}} for e, k in keys]
