"""PURE: the RayService patch that applies a scaling decision. No I/O.

KubeRay has no ``/scale`` subresource and ignores worker-group replica changes on a running RayService
cluster (they are left out of its spec hash, kuberay#2331). The knob is Serve's: the model deployment's
``num_replicas`` in ``serveConfigV2`` (KubeRay pushes a changed config to the running cluster in place),
and Ray's in-tree autoscaler adds or removes worker pods to place the replicas. The worker group's
``replicas`` / ``minReplicas`` / ``maxReplicas`` in the RayService are kept consistent with the builder
for the new count, so that the next cluster KubeRay rolls out starts at the right size.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import yaml

from voxray_operator.builders import load_yaml
from voxray_runtime.serve.args import APP_NAME, model_deployment_name

#: worker-group fields the autoscaler owns (besides num_replicas in serveConfigV2)
GROUP_FIELDS = ("replicas", "minReplicas", "maxReplicas")


class ScalingApplyError(ValueError):
    """The RayService does not have the shape the builder gives it (edited by hand?): nothing to patch."""


def set_serve_replicas(
    serve_config: str, voicemodel: str, replicas: int, *, deployment: str | None = None
) -> str:
    """``serveConfigV2`` with ``num_replicas`` of ``deployment`` (default ``TTS-{voicemodel}``; a
    TextModel's is ``LLM-{name}``) in application ``voxray`` set."""
    try:
        doc = load_yaml(serve_config)
    except yaml.YAMLError as exc:
        raise ScalingApplyError(f"serveConfigV2 is not valid YAML: {exc}") from exc
    wanted = deployment or model_deployment_name(voicemodel)
    apps = doc.get("applications") if isinstance(doc, dict) else None
    for app in apps if isinstance(apps, list) else []:
        if not isinstance(app, dict) or app.get("name") != APP_NAME:
            continue
        for dep in app.get("deployments") or []:
            if isinstance(dep, dict) and dep.get("name") == wanted:
                dep["num_replicas"] = replicas
                return yaml.safe_dump(doc, sort_keys=False, width=1_000_000)
    raise ScalingApplyError(f"serveConfigV2 has no deployment {wanted} in application {APP_NAME}")


def _group_index(groups: Any, name: str) -> int:
    if isinstance(groups, list):
        for i, group in enumerate(groups):
            if isinstance(group, Mapping) and group.get("groupName") == name:
                return i
    raise ScalingApplyError(f"the RayService has no worker group {name}")


def scaling_patch(
    rayservice: Mapping[str, Any],
    built: Mapping[str, Any],
    voicemodel: str,
    replicas: int,
    *,
    deployment: str | None = None,
) -> dict[str, Any]:
    """A merge patch of ``rayservice`` to ``replicas`` model replicas.

    ``built``: the builder's RayService for the same spec and ``replicas``; the worker group of the same
    name gives the group fields. The whole ``workerGroupSpecs`` list is sent (merge patches replace
    lists), taken from ``rayservice`` with only those fields changed, under ``resourceVersion``.
    """
    spec = rayservice.get("spec") or {}
    text = spec.get("serveConfigV2")
    if not isinstance(text, str):
        raise ScalingApplyError("the RayService has no serveConfigV2")
    new_config = set_serve_replicas(text, voicemodel, replicas, deployment=deployment)

    built_groups = ((built.get("spec") or {}).get("rayClusterConfig") or {}).get("workerGroupSpecs") or []
    if not built_groups or not isinstance(built_groups[0], Mapping):
        raise ScalingApplyError("the builder gave no worker group")
    built_group = built_groups[0]
    groups: list[dict[str, Any]] = copy.deepcopy(
        (spec.get("rayClusterConfig") or {}).get("workerGroupSpecs") or []
    )
    index = _group_index(groups, str(built_group.get("groupName")))
    for key in GROUP_FIELDS:
        if key in built_group:
            groups[index][key] = built_group[key]

    return {
        "metadata": {"resourceVersion": (rayservice.get("metadata") or {}).get("resourceVersion")},
        "spec": {"serveConfigV2": new_config, "rayClusterConfig": {"workerGroupSpecs": groups}},
    }
