"""SpeechBatch -> KubeRay RayJob running ``voxray batch``, and the ConfigMap carrying the document.

How the document reaches the driver: KubeRay's submitter pod (K8sJobMode) runs ``ray job submit`` and
the driver runs on the Ray head. The submitter mounts one projected volume at ``/etc/voxray/batch``
(``speechbatch.yaml`` from our ConfigMap, plus ``input/{name}/{key}`` from the user's input ConfigMap)
and the RayJob's runtime env names that folder as ``working_dir``: ``ray job submit`` uploads it and the
driver starts inside it. This works the same on a dedicated cluster and on a VoiceModel's running
cluster, whose pods we cannot add volumes to.

``runOn.voiceModel``: KubeRay's ``clusterSelector`` is not a label selector: it reads the RayCluster
*name* from the key ``ray.io/cluster``. The RayService's cluster name is generated
(``{rayservice}-raycluster-xxxxx``) and changes on upgrades, so the handler passes the current one
(``status.activeServiceStatus.rayClusterName`` of the VoiceModel's RayService). In that mode the RayJob
must never delete the cluster: ``shutdownAfterJobFinishes`` is false, and ``backoffLimit`` is left out
because a KubeRay retry deletes the RayJob's cluster, which would be the VoiceModel's.

Audit: the driver's audit events name the SpeechBatch (``VOXRAY_BATCH_ACTOR=speechbatch:<ns>/<name>``, in
the job's runtime env, which reaches the driver on either cluster, and on the submitter and the dedicated
head). The key of their text hashes: :func:`voxray_operator.builders.security.batch_audit_key`, mounted
read-only, mode 0400, on the dedicated head at the path the runtime reads.
"""

from __future__ import annotations

import math
import posixpath
import shlex
from collections.abc import Mapping
from typing import Any

import yaml

from voxray_operator.builders.cluster import (
    head_resources,
    pod_template,
    ray_container,
)
from voxray_operator.builders.common import (
    SPEC_HASH_ANNOTATION,
    VOICEMODEL_LABEL,
    child_name,
    common_labels,
    container_security_context,
    dns1035_name,
    label_value,
    metadata,
    pod_security_context,
    spec_hash,
    unaliased,
)
from voxray_operator.builders.errors import BuildError
from voxray_operator.builders.generate import GenerationTarget
from voxray_operator.builders.rayservice import (
    GPU_PRODUCT_LABEL,
    GPU_RESOURCE,
    cache_volume,
    output_volume,
    runtime_env,
    uses_gpu,
    weights_pvc,
)
from voxray_operator.builders.security import batch_audit_key
from voxray_operator.config import BuildSettings
from voxray_runtime.spec.common import API_VERSION
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: where the SpeechBatch document is mounted in the submitter pod (uploaded as the job's working_dir)
BATCH_SPEC_DIR = "/etc/voxray/batch"
BATCH_SPEC_KEY = "speechbatch.yaml"
#: the user's input ConfigMap, relative to the working dir (the runtime reads VOXRAY_BATCH_INPUT_DIR)
BATCH_INPUT_DIR = "input"
#: KubeRay reads the target RayCluster's *name* from this clusterSelector key (not a label selector)
CLUSTER_SELECTOR_KEY = "ray.io/cluster"
#: mount path of the output PVC on a dedicated batch cluster
BATCH_OUTPUT_MOUNT = "/data/audio"
MAX_RAYJOB_NAME = 47
#: who the batch driver's audit events name (voxray_runtime.batch.audit.ACTOR_ENV)
ACTOR_ENV = "VOXRAY_BATCH_ACTOR"
COMPONENT = "speechbatch"


def rayjob_name(speechbatch: str) -> str:
    """The RayJob of SpeechBatch ``speechbatch`` (same name when it is a short DNS-1035 label)."""
    return dns1035_name(speechbatch, MAX_RAYJOB_NAME)


def batch_configmap_name(speechbatch: str) -> str:
    return child_name(speechbatch, "speechbatch")


def _document(kind: str, name: str, namespace: str, spec: VoiceModelSpec | SpeechBatchSpec) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec.model_dump(by_alias=True, exclude_defaults=True, mode="json"),
    }


def batch_actor(name: str, namespace: str) -> str:
    """The actor of the batch's audit events: the SpeechBatch (its creator is in the API server's log)."""
    return f"speechbatch:{namespace}/{name}"


def _referenced(spec: SpeechBatchSpec) -> list[str]:
    names = list(spec.voice_models)
    if spec.run_on.voice_model and spec.run_on.voice_model not in names:
        names.append(spec.run_on.voice_model)
    return names


def _needed_models(
    spec: SpeechBatchSpec, voice_models: Mapping[str, VoiceModelSpec] | None
) -> dict[str, VoiceModelSpec]:
    """The specs of the VoiceModels the batch names, in its order; BuildError(retryable) for a missing one."""
    given = voice_models or {}
    out: dict[str, VoiceModelSpec] = {}
    for name in _referenced(spec):
        found = given.get(name)
        if found is None:
            field = (
                f"spec.voiceModels.{spec.voice_models.index(name)}"
                if name in spec.voice_models
                else "spec.runOn.voiceModel"
            )
            raise BuildError(
                f"VoiceModel {name!r} was not found in the namespace", field=field, retryable=True
            )
        out[name] = found
    return out


#: characters YAML reads as line breaks; a plain or single-quoted scalar holding them does not come back
#: unchanged, so strings with them are written double-quoted, where they are escaped (\N, \L, \P)
_YAML_BREAKS = frozenset("\x85\u2028\u2029")


class _BatchDumper(yaml.SafeDumper):
    """SafeDumper whose strings survive a round trip whatever they hold."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _YAML_BREAKS.intersection(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BatchDumper.add_representer(str, _represent_str)


def batch_document(
    name: str,
    namespace: str,
    spec: SpeechBatchSpec,
    *,
    voice_models: Mapping[str, VoiceModelSpec] | None = None,
) -> str:
    """The YAML the driver reads: the named VoiceModels first (sorted), then the SpeechBatch."""
    docs = [_document("VoiceModel", vm, namespace, s) for vm, s in sorted((voice_models or {}).items())]
    docs.append(_document("SpeechBatch", name, namespace, spec))
    return yaml.dump_all(docs, Dumper=_BatchDumper, sort_keys=False, width=1_000_000, allow_unicode=True)


def build_batch_configmap(
    name: str,
    namespace: str,
    spec: SpeechBatchSpec,
    *,
    voice_models: Mapping[str, VoiceModelSpec] | None = None,
    owner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """ConfigMap ``{name}-speechbatch`` with the batch document under ``speechbatch.yaml``.

    ``voice_models``: the specs of the VoiceModels the batch names; they travel in the same file so the
    driver renders with exactly what the cluster serves.
    """
    models = _needed_models(spec, voice_models) if voice_models is not None else {}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(
            batch_configmap_name(name),
            namespace,
            common_labels(COMPONENT, speechbatch=name),
            annotations={SPEC_HASH_ANNOTATION: spec_hash(spec)},
            owner=owner,
        ),
        "data": {BATCH_SPEC_KEY: batch_document(name, namespace, spec, voice_models=models)},
    }


def _spec_volume(name: str, spec: SpeechBatchSpec) -> dict[str, Any]:
    sources: list[dict[str, Any]] = [
        {
            "configMap": {
                "name": batch_configmap_name(name),
                "items": [{"key": BATCH_SPEC_KEY, "path": BATCH_SPEC_KEY}],
            }
        }
    ]
    cm = spec.input.config_map if spec.input is not None else None
    if cm is not None:
        path = posixpath.join(BATCH_INPUT_DIR, cm.name, cm.key)
        sources.append({"configMap": {"name": cm.name, "items": [{"key": cm.key, "path": path}]}})
    return {"name": "batch-spec", "projected": {"sources": sources}}


def _submitter_template(
    name: str, spec: SpeechBatchSpec, image: str, settings: BuildSettings, actor: str
) -> dict[str, Any]:
    container = {
        "name": "ray-job-submitter",
        "image": image,
        "imagePullPolicy": settings.image_pull_policy,
        "env": [{"name": "RAY_USAGE_STATS_ENABLED", "value": "0"}, {"name": ACTOR_ENV, "value": actor}],
        "resources": {
            "requests": {"cpu": "200m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
        "volumeMounts": [{"name": "batch-spec", "mountPath": BATCH_SPEC_DIR, "readOnly": True}],
        "securityContext": container_security_context(),
    }
    pod: dict[str, Any] = {
        "restartPolicy": "Never",
        "securityContext": pod_security_context(),
        "automountServiceAccountToken": False,
        "containers": [container],
        "volumes": [_spec_volume(name, spec)],
    }
    if settings.service_account_name:
        pod["serviceAccountName"] = settings.service_account_name
    return {"metadata": {"labels": common_labels(COMPONENT, speechbatch=name)}, "spec": pod}


def _out_path(mount: str, path: str) -> str:
    """``spec.output.path`` inside the volume mounted at ``mount``."""
    if path == mount or path.startswith(mount.rstrip("/") + "/"):
        return path
    return posixpath.join(mount, path.lstrip("/"))


def _runtime_env(actor: str, extra: Mapping[str, str] | None = None) -> str:
    """The job's runtime env: the driver's working dir and environment, on either kind of cluster."""
    env = {
        "working_dir": BATCH_SPEC_DIR,
        "env_vars": {
            "VOXRAY_BATCH_INPUT_DIR": BATCH_INPUT_DIR,
            "RAY_USAGE_STATS_ENABLED": "0",
            "PYTHONUNBUFFERED": "1",
            ACTOR_ENV: actor,
            **(extra or {}),
        },
    }
    return yaml.safe_dump(env, sort_keys=False)


def _dedicated_cluster(
    name: str,
    spec: SpeechBatchSpec,
    models: Mapping[str, VoiceModelSpec],
    settings: BuildSettings,
    image: str,
    claim: str | None,
    *,
    head_env: list[dict[str, Any]],
    head_secrets: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> dict[str, Any]:
    """``head_env`` and ``head_secrets`` (volumes, mounts): only for the head, where the driver runs."""
    labels = common_labels(COMPONENT, speechbatch=name)
    workers = spec.run_on.workers
    gpu_models = [m for m in models.values() if uses_gpu(m)]
    claims = sorted(
        {m.weights.claim_name for m in models.values() if m.weights.source == "pvc" and m.weights.claim_name}
    )
    if len(claims) > 1:
        raise BuildError(
            "VoiceModels with weights on different PVCs (" + ", ".join(claims) + ") cannot share a dedicated "
            "batch cluster; run on one VoiceModel's cluster (runOn.voiceModel) or split the batch",
            field="spec.voiceModels",
        )
    env = runtime_env("pvc" if claims else "packaged", BATCH_OUTPUT_MOUNT)
    cache, cache_mount = cache_volume(settings)
    volumes = [cache]
    mounts = [cache_mount]
    if claims:
        pvc, pvc_mount = weights_pvc(claims[0])
        volumes.append(pvc)
        mounts.append(pvc_mount)
    volumes.append(output_volume(claim))
    mounts.append({"name": "audio-output", "mountPath": BATCH_OUTPUT_MOUNT})

    cpu = max([m.resources.cpu for m in models.values()] or [1.0])
    memory = max((m.resources.memory for m in models.values()), key=_quantity, default="4Gi")
    worker_requests: dict[str, Any] = {"cpu": str(max(1, math.ceil(cpu))), "memory": memory}
    node_selector: dict[str, str] | None = None
    tolerations: list[dict[str, Any]] | None = None
    if gpu_models:
        gpus = max(1 if m.resources.gpu_fraction is not None else m.resources.gpu for m in gpu_models)
        worker_requests[GPU_RESOURCE] = str(gpus)
        selector = dict(settings.gpu_node_selector)
        accelerators = {m.resources.accelerator for m in gpu_models if m.resources.accelerator}
        if len(accelerators) == 1:
            selector[GPU_PRODUCT_LABEL] = accelerators.pop()
        node_selector = selector or None
        tolerations = list(settings.gpu_tolerations) or None
    worker_resources = {"requests": worker_requests, "limits": dict(worker_requests)}

    head_params: dict[str, str] = {"dashboard-host": "0.0.0.0"}
    if workers > 0:
        head_params["num-cpus"] = "0"  # work lands on the workers; the head runs the driver
        head_res = head_resources(settings)
    else:
        head_res = worker_resources
    cluster: dict[str, Any] = {
        "rayVersion": settings.ray_version,
        "enableInTreeAutoscaling": False,
        "headGroupSpec": {
            "rayStartParams": head_params,
            "template": pod_template(
                labels=labels,
                container=ray_container(
                    "ray-head",
                    image,
                    settings,
                    resources=head_res,
                    env=env + head_env,
                    mounts=mounts + head_secrets[1],
                    head=True,
                ),
                volumes=volumes + head_secrets[0],
                settings=settings,
                node_selector=node_selector if workers == 0 else None,
                tolerations=tolerations if workers == 0 else None,
            ),
        },
    }
    if workers > 0:
        cluster["workerGroupSpecs"] = [
            {
                "groupName": "gpu-workers" if gpu_models else "cpu-workers",
                "replicas": workers,
                "minReplicas": workers,
                "maxReplicas": workers,
                "rayStartParams": {},
                "template": pod_template(
                    labels=labels,
                    container=ray_container(
                        "ray-worker",
                        image,
                        settings,
                        resources=worker_resources,
                        env=env,
                        mounts=mounts,
                        head=False,
                    ),
                    volumes=volumes,
                    settings=settings,
                    node_selector=node_selector,
                    tolerations=tolerations,
                ),
            }
        ]
    return cluster


_UNITS = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def _quantity(text: str) -> float:
    """Bytes of a memory quantity as the spec's pattern allows (``4Gi``, ``512M``, ``1.5Gi``)."""
    number = text.rstrip("KMGTik")
    return float(number) * _UNITS[text[len(number) :]]


def _joined(
    *parts: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return [v for p in parts for v in p[0]], [m for p in parts for m in p[1]]


def batch_warnings(spec: SpeechBatchSpec) -> list[str]:
    """What is allowed but probably not meant; handlers emit these as Warning events, render prints them."""
    if not spec.run_on.voice_model and not spec.output.volume_claim:
        return [
            "spec.output.volumeClaim is not set: the files go to an emptyDir of the batch's own Ray cluster "
            "and are lost when that cluster is deleted after the job"
        ]
    return []


def build_rayjob(
    name: str,
    namespace: str,
    spec: SpeechBatchSpec,
    settings: BuildSettings,
    *,
    voice_models: Mapping[str, VoiceModelSpec] | None = None,
    cluster_name: str | None = None,
    owner: dict[str, Any] | None = None,
    generation: GenerationTarget | None = None,
) -> dict[str, Any]:
    """The RayJob for SpeechBatch ``name``.

    ``voice_models``: specs of the VoiceModels the batch names (spec.voiceModels and runOn.voiceModel);
    a missing one raises BuildError(retryable=True). ``cluster_name``: with ``spec.runOn.voiceModel``,
    the RayCluster serving that VoiceModel now (its RayService's
    ``status.activeServiceStatus.rayClusterName``); without it BuildError(retryable=True). The audit key
    Secret is chosen by :func:`~voxray_operator.builders.security.batch_audit_key`; whether it exists is
    the handler's to check. ``generation``: the TextModel of ``spec.generate``
    (:func:`~voxray_operator.builders.generate.generation_target`): its URL, model id and key file go
    into the driver's environment, the key is mounted on the dedicated head.
    """
    models = _needed_models(spec, voice_models)
    audit = batch_audit_key(spec, models)
    actor = batch_actor(name, namespace)
    labels = common_labels(COMPONENT, speechbatch=name)
    target = spec.run_on.voice_model
    text_env = generation.env() if generation is not None else {}
    job: dict[str, Any] = {"submissionMode": "K8sJobMode", "runtimeEnvYAML": _runtime_env(actor, text_env)}
    if target and generation is not None and generation.key is not None:
        raise BuildError(
            f"a generating batch mounts its API key for TextModel {generation.text_model!r} on its own Ray "
            f"head; VoiceModel {target!r}'s cluster cannot mount it: run on a dedicated cluster",
            field="spec.runOn.voiceModel",
        )
    if target:
        vm = models[target]
        claim = vm.output.volume_claim
        if not claim:
            raise BuildError(
                f"VoiceModel {target!r} has no output.volumeClaim, so its cluster cannot keep the batch's "
                "files; give it one or run on a dedicated cluster",
                field="spec.runOn.voiceModel",
            )
        if spec.output.volume_claim and spec.output.volume_claim != claim:
            raise BuildError(
                f"on VoiceModel {target!r}'s cluster the output volume is its PVC {claim!r} (mounted at "
                f"{vm.output.path}); set output.volumeClaim to {claim!r}, leave it out, or run on a "
                "dedicated cluster",
                field="spec.output.volumeClaim",
            )
        if not cluster_name:
            raise BuildError(
                f"VoiceModel {target!r} has no running Ray cluster yet",
                field="spec.runOn.voiceModel",
                retryable=True,
            )
        out = _out_path(vm.output.path, spec.output.path)
        image = spec.run_on.image or vm.image or settings.image
        labels[VOICEMODEL_LABEL] = label_value(target)
        job["clusterSelector"] = {CLUSTER_SELECTOR_KEY: cluster_name}
        job["shutdownAfterJobFinishes"] = False
    else:
        claim = spec.output.volume_claim
        out = _out_path(BATCH_OUTPUT_MOUNT, spec.output.path)
        images = [m.image for m in models.values() if m.image]
        image = spec.run_on.image or (images[0] if images else settings.image)
        job["shutdownAfterJobFinishes"] = True
        job["ttlSecondsAfterFinished"] = min(
            spec.retention.ttl_seconds_after_finished, settings.batch_cluster_ttl_seconds
        )
        job["backoffLimit"] = settings.job_backoff_limit
        job["rayClusterSpec"] = _dedicated_cluster(
            name,
            spec,
            models,
            settings,
            image,
            claim,
            head_env=[{"name": ACTOR_ENV, "value": actor}],
            head_secrets=_joined(
                audit.volumes(), generation.volumes() if generation is not None else ([], [])
            ),
        )
    job["entrypoint"] = f"voxray batch -f {BATCH_SPEC_KEY} --out {shlex.quote(out)}"
    if settings.job_active_deadline_seconds is not None:
        job["activeDeadlineSeconds"] = settings.job_active_deadline_seconds
    job["submitterPodTemplate"] = _submitter_template(name, spec, image, settings, actor)
    ordered = {
        key: job[key]
        for key in (
            "entrypoint",
            "runtimeEnvYAML",
            "submissionMode",
            "clusterSelector",
            "shutdownAfterJobFinishes",
            "ttlSecondsAfterFinished",
            "backoffLimit",
            "activeDeadlineSeconds",
            "rayClusterSpec",
            "submitterPodTemplate",
        )
        if key in job
    }
    rayjob = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": metadata(
            rayjob_name(name),
            namespace,
            labels,
            annotations={SPEC_HASH_ANNOTATION: spec_hash(spec)},
            owner=owner,
        ),
        "spec": ordered,
    }
    return unaliased(rayjob)
