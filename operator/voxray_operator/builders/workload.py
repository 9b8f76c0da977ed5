"""PURE: what the Ray pods of every kind are made of: GPUs, resources, volumes, environment, replica maths.

Shared by the VoiceModel and TextModel builders (one worker group of model replicas) and the SpeechBatch's
dedicated cluster (one worker group sized for every VoiceModel the batch uses). The Serve side of the
same numbers (a replica's ``num_cpus`` / ``num_gpus``, the replica count) is computed in
:mod:`voxray_runtime.serve.options`, which this module reads.

Scaling split of a served model: the operator owns the model deployment's ``num_replicas`` in
serveConfigV2; when the model may scale (``replicas.max > replicas.min`` or autoscaling enabled) Ray's
in-tree autoscaler adds or removes worker pods to fit the replicas Serve has to place, within the worker
group's min/max (:func:`pods_for` of the replica bounds). KubeRay ignores changes of worker group
replicas on a running RayService cluster, so the Serve replicas are the knob, not the worker group.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from voxray_operator.builders.cluster import ClusterPlan, assemble_rayservice
from voxray_operator.builders.common import ServedKind, served_labels, spec_hash
from voxray_operator.builders.security import credential_plan, secret_volumes
from voxray_operator.config import BuildSettings
from voxray_runtime.serve import options
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: the specs of the served kinds: the same replicas, resources and autoscaling blocks
ServedSpec = VoiceModelSpec | TextModelSpec | TranscriptionModelSpec
#: (pod volumes, container volumeMounts), in the same order
VolumeSet = tuple[list[dict[str, Any]], list[dict[str, Any]]]

#: weights PVC mount (runtime: VOXRAY_PVC_MOUNT, default /models) and the writable cache
MODELS_MOUNT = "/models"
CACHE_MOUNT = "/var/cache/voxray"
SHM_MOUNT = "/dev/shm"
#: environment names the runtime reads (voxray_runtime/engines/weights.py, which imports numpy)
ENV_CACHE_DIR = "VOXRAY_CACHE_DIR"
ENV_PVC_MOUNT = "VOXRAY_PVC_MOUNT"
GPU_RESOURCE = "nvidia.com/gpu"
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"
#: volumes only worker pods mount (a served model's head runs no replicas): the weights PVC, /dev/shm
WORKER_ONLY_VOLUMES = frozenset({"models", "dshm"})


# ---- GPUs and replica maths -------------------------------------------------------------------------------
def uses_gpu(spec: ServedSpec) -> bool:
    return options.uses_gpu(spec.resources)


def worker_group_name(spec: ServedSpec) -> str:
    """``gpu-workers``, or ``cpu-workers`` for a CPU-only model."""
    return group_name(uses_gpu(spec))


def group_name(gpu: bool) -> str:
    return "gpu-workers" if gpu else "cpu-workers"


def gpus_per_pod(spec: ServedSpec) -> int:
    """Whole GPUs one worker pod requests: one shared by fractional replicas, else the replica's GPUs."""
    return 1 if spec.resources.gpu_fraction is not None else spec.resources.gpu


def replicas_per_pod(spec: ServedSpec) -> int:
    """Model replicas one worker pod holds: several per GPU with a fraction, else one."""
    fraction = spec.resources.gpu_fraction
    if fraction is None:
        return 1
    return max(1, math.floor(1 / fraction + 1e-9))


def pods_for(replicas: int, spec: ServedSpec) -> int:
    """Worker pods needed for ``replicas`` model replicas."""
    return math.ceil(replicas / replicas_per_pod(spec)) if replicas > 0 else 0


def initial_replicas(spec: ServedSpec, replicas: int | None = None) -> int:
    """``replicas`` (the autoscaler's number) clamped to the bounds, else ``initial``, else ``min``."""
    return options.bounded_replicas(spec.replicas, replicas)


def autoscaler_enabled(spec: ServedSpec) -> bool:
    """Ray's in-tree autoscaler places worker pods when the replica count can change."""
    return spec.autoscaling.enabled or spec.replicas.max > spec.replicas.min


def gpu_scheduling(
    specs: Iterable[ServedSpec], settings: BuildSettings
) -> tuple[dict[str, str] | None, list[dict[str, Any]] | None]:
    """(nodeSelector, tolerations) of pods running ``specs``' replicas: none without a GPU; the GPU node
    selector and tolerations of the settings, plus the accelerator when the GPU models agree on one."""
    gpu_specs = [s for s in specs if uses_gpu(s)]
    if not gpu_specs:
        return None, None
    selector = dict(settings.gpu_node_selector)
    accelerators = {s.resources.accelerator for s in gpu_specs if s.resources.accelerator}
    if len(accelerators) == 1:
        selector[GPU_PRODUCT_LABEL] = accelerators.pop()
    return selector or None, list(settings.gpu_tolerations) or None


# ---- resources ------------------------------------------------------------------------------------------
def pod_resources(cpus: int, memory: str, gpus: int | None = None) -> dict[str, Any]:
    """Requests equal to limits: ``cpus`` (at least one), ``memory`` and, when given, ``gpus``."""
    requests: dict[str, Any] = {"cpu": str(max(1, cpus)), "memory": memory}
    if gpus is not None:
        requests[GPU_RESOURCE] = str(gpus)
    return {"requests": requests, "limits": dict(requests)}


def worker_resources(spec: ServedSpec, settings: BuildSettings) -> dict[str, Any]:
    """One worker pod: its replicas' CPUs plus room for an ingress replica, the model's memory, its GPU."""
    cpus = math.ceil(replicas_per_pod(spec) * spec.resources.cpu + settings.ingress_num_cpus - 1e-9)
    return pod_resources(cpus, spec.resources.memory, gpus_per_pod(spec) if uses_gpu(spec) else None)


def shared_worker_resources(specs: Iterable[VoiceModelSpec]) -> dict[str, Any]:
    """One pod able to run a replica of any of ``specs``: the most CPUs, memory and GPUs of any."""
    models = list(specs)
    cpu = max([m.resources.cpu for m in models] or [1.0])
    memory = max((m.resources.memory for m in models), key=quantity_bytes, default="4Gi")
    gpu_models = [m for m in models if uses_gpu(m)]
    gpus = max(gpus_per_pod(m) for m in gpu_models) if gpu_models else None
    return pod_resources(math.ceil(cpu), memory, gpus)


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


def quantity_bytes(text: str) -> float:
    """Bytes of a memory quantity as the spec's pattern allows (``4Gi``, ``512M``, ``1.5Gi``)."""
    number = text.rstrip("KMGTik")
    return float(number) * _UNITS[text[len(number) :]]


# ---- volumes and environment ----------------------------------------------------------------------------
def cache_volume(settings: BuildSettings) -> tuple[dict[str, Any], dict[str, Any]]:
    """(volume, mount) of the writable model cache: Hugging Face downloads, quantized graphs."""
    return (
        {"name": "model-cache", "emptyDir": {"sizeLimit": settings.model_cache_size}},
        {"name": "model-cache", "mountPath": CACHE_MOUNT},
    )


def weights_pvc(claim: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(volume, mount) of a weights PVC, read-only at /models."""
    return (
        {"name": "models", "persistentVolumeClaim": {"claimName": claim, "readOnly": True}},
        {"name": "models", "mountPath": MODELS_MOUNT, "readOnly": True},
    )


def output_volume(claim: str | None) -> dict[str, Any]:
    """The audio output volume: the PVC when given, else an emptyDir (files live as long as the pod)."""
    if claim:
        return {"name": "audio-output", "persistentVolumeClaim": {"claimName": claim}}
    return {"name": "audio-output", "emptyDir": {}}


def weights_claim(spec: ServedSpec) -> str | None:
    """The PVC holding the model's weights, if they come from one."""
    return spec.weights.claim_name if spec.weights.source == "pvc" and spec.weights.claim_name else None


def pod_volumes(
    settings: BuildSettings,
    *,
    weights: str | None,
    output: tuple[str | None, str] | None = None,
    shm: bool = False,
) -> VolumeSet:
    """The model cache; the weights PVC ``weights`` if any; the audio output ``(claim, mount path)`` if
    given; a memory-backed /dev/shm (vLLM's tensor-parallel workers talk through it) if ``shm``."""
    cache, cache_mount = cache_volume(settings)
    volumes, mounts = [cache], [cache_mount]
    if weights:
        pvc, pvc_mount = weights_pvc(weights)
        volumes.append(pvc)
        mounts.append(pvc_mount)
    if output is not None:
        claim, path = output
        volumes.append(output_volume(claim))
        mounts.append({"name": "audio-output", "mountPath": path})
    if shm:
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory"}})
        mounts.append({"name": "dshm", "mountPath": SHM_MOUNT})
    return volumes, mounts


def join_volumes(*parts: VolumeSet) -> VolumeSet:
    """Several (volumes, mounts) pairs as one, in order."""
    return [v for p in parts for v in p[0]], [m for p in parts for m in p[1]]


def runtime_env(
    weights_source: str, output_dir: str | None, *, model: str | None = None
) -> list[dict[str, Any]]:
    """Environment of every Ray container (names as runtime/voxray_runtime/engines/weights.py reads them).

    ``VOXRAY_WEIGHTS_DIR`` is left alone: it points at the weights installed in the image (Kokoro's voice
    files); ``VOXRAY_CACHE_DIR`` and ``HF_HOME`` go to the writable cache volume; ``VOXRAY_PVC_MOUNT``
    says where a weights PVC is mounted.
    """
    env = [{"name": "RAY_USAGE_STATS_ENABLED", "value": "0"}]
    if model is not None:
        env.append({"name": "VOXRAY_MODEL", "value": model})
    if output_dir is not None:
        env.append({"name": "VOXRAY_OUTPUT_DIR", "value": output_dir})
    env += [
        {"name": ENV_CACHE_DIR, "value": CACHE_MOUNT},
        {"name": "HF_HOME", "value": f"{CACHE_MOUNT}/huggingface"},
        {"name": "HF_HUB_DISABLE_TELEMETRY", "value": "1"},
    ]
    if weights_source == "pvc":
        env.append({"name": ENV_PVC_MOUNT, "value": MODELS_MOUNT})
    return env


# ---- a served model's cluster ---------------------------------------------------------------------------
def served_cluster_plan(
    kind: ServedKind,
    name: str,
    spec: ServedSpec,
    settings: BuildSettings,
    *,
    env: list[dict[str, Any]],
    volumes: VolumeSet,
    replicas: int | None = None,
) -> ClusterPlan:
    """The Ray cluster of VoiceModel / TextModel ``name``: the kind's labels, one worker group sized for its
    replicas, its ``volumes`` plus the Secrets its credentials mount; ``replicas`` as
    :func:`initial_replicas` takes it."""
    all_volumes, all_mounts = join_volumes(volumes, secret_volumes(credential_plan(name, spec)))
    node_selector, tolerations = gpu_scheduling([spec], settings)
    return ClusterPlan(
        labels=served_labels(kind, name),
        image=spec.image or settings.image,
        env=env,
        volumes=all_volumes,
        mounts=all_mounts,
        worker_resources=worker_resources(spec, settings),
        node_selector=node_selector,
        tolerations=tolerations,
        group_name=worker_group_name(spec),
        pods=pods_for(initial_replicas(spec, replicas), spec),
        min_pods=pods_for(spec.replicas.min, spec),
        max_pods=pods_for(spec.replicas.max, spec),
        autoscaler=autoscaler_enabled(spec),
        worker_only=WORKER_ONLY_VOLUMES,
    )


def served_rayservice(
    kind: ServedKind,
    name: str,
    namespace: str,
    spec: ServedSpec,
    settings: BuildSettings,
    *,
    env: list[dict[str, Any]],
    volumes: VolumeSet,
    serve_config: dict[str, Any],
    replicas: int | None = None,
    owner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The RayService of a served model: :func:`served_cluster_plan` with the kind's ``env`` and
    ``volumes``, its ``serve_config``, the spec's hash and upgrade strategy, owned by ``owner``."""
    plan = served_cluster_plan(kind, name, spec, settings, env=env, volumes=volumes, replicas=replicas)
    return assemble_rayservice(
        name,
        namespace,
        plan,
        settings,
        serve_config=serve_config,
        hash_of_spec=spec_hash(spec),
        owner=owner,
        upgrade=spec.upgrade,
    )
