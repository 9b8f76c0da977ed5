"""VoiceModel -> KubeRay RayService (serveConfigV2 pointing at the runtime's Serve app).

Scaling split: the operator owns the model deployment's ``num_replicas`` in serveConfigV2 (Serve has no
autoscaling_config here); when the VoiceModel may scale (``replicas.max > replicas.min`` or autoscaling
enabled) Ray's in-tree autoscaler is on and only adds or removes worker pods to fit the replicas Serve
has to place, within the worker group's min/max. KubeRay ignores changes of worker group
replicas/minReplicas/maxReplicas on a running RayService cluster (they are left out of its spec hash), so
the Serve replicas are the knob, not the worker group.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from voxray_operator.builders.cluster import (
    SERVE_PORT,
    ClusterPlan,
    assemble_rayservice,
)
from voxray_operator.builders.common import (
    common_labels,
    load_yaml,
    spec_hash,
)
from voxray_operator.builders.security import (
    CREDENTIALS_REVISION_ENV,
    credential_plan,
    secret_volumes,
    security_args,
)
from voxray_operator.config import BuildSettings
from voxray_runtime.serve.args import (
    APP_IMPORT_PATH,
    APP_NAME,
    INGRESS_DEPLOYMENT,
    AppArgs,
    ModelArgs,
    model_deployment_name,
)
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: the specs of the served kinds: the same replicas, resources and autoscaling blocks
ServedSpec = VoiceModelSpec | TextModelSpec

#: weights PVC mount (runtime: VOXRAY_PVC_MOUNT, default /models) and the writable cache
MODELS_MOUNT = "/models"
CACHE_MOUNT = "/var/cache/voxray"
#: environment names the runtime reads (voxray_runtime/engines/weights.py, which imports numpy)
ENV_CACHE_DIR = "VOXRAY_CACHE_DIR"
ENV_PVC_MOUNT = "VOXRAY_PVC_MOUNT"
COMPONENT = "voicemodel"
GPU_RESOURCE = "nvidia.com/gpu"
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"


def serve_endpoint(name: str, namespace: str) -> str:
    """Serve URL of RayService ``name``: KubeRay's own ``{name}-serve-svc`` Service, port 8000."""
    return f"http://{name}-serve-svc.{namespace}.svc:{SERVE_PORT}"


def uses_gpu(spec: ServedSpec) -> bool:
    return spec.resources.gpu_fraction is not None or spec.resources.gpu > 0


def worker_group_name(spec: ServedSpec) -> str:
    """``gpu-workers``, or ``cpu-workers`` for a CPU-only model."""
    return "gpu-workers" if uses_gpu(spec) else "cpu-workers"


def replica_num_gpus(spec: ServedSpec) -> float:
    """Ray ``num_gpus`` of one model replica: the fraction when given, else the whole GPUs."""
    if spec.resources.gpu_fraction is not None:
        return spec.resources.gpu_fraction
    return float(spec.resources.gpu)


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
    if replicas is None:
        replicas = spec.replicas.initial if spec.replicas.initial is not None else spec.replicas.min
    return max(spec.replicas.min, min(spec.replicas.max, replicas))


def autoscaler_enabled(spec: ServedSpec) -> bool:
    """Ray's in-tree autoscaler places worker pods when the replica count can change."""
    return spec.autoscaling.enabled or spec.replicas.max > spec.replicas.min


def plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def app_args(name: str, spec: VoiceModelSpec, settings: BuildSettings) -> AppArgs:
    return AppArgs(
        models=[ModelArgs(name=name, spec=spec)],
        output_dir=spec.output.path,
        ingress_replicas=settings.ingress_replicas,
        ingress_max_ongoing_requests=settings.ingress_max_ongoing_requests,
        ingress_num_cpus=settings.ingress_num_cpus,
        security=security_args(name, spec),
    )


def build_serve_config(
    name: str,
    spec: VoiceModelSpec,
    settings: BuildSettings,
    *,
    replicas: int | None = None,
    credentials_revision: str | None = None,
) -> dict[str, Any]:
    """The serveConfigV2 document (as a dict; build_rayservice dumps it to YAML).

    ``credentials_revision``: put into the ingress replicas' environment, so that changing it replaces
    them (they read the API keys file when they start).
    """
    args = app_args(name, spec, settings)
    model_options: dict[str, Any] = {"num_cpus": plain_number(spec.resources.cpu)}
    if uses_gpu(spec):
        model_options["num_gpus"] = plain_number(replica_num_gpus(spec))
    ingress_options: dict[str, Any] = {"num_cpus": plain_number(args.ingress_num_cpus)}
    if credentials_revision:
        ingress_options["runtime_env"] = {"env_vars": {CREDENTIALS_REVISION_ENV: credentials_revision}}
    return {
        "proxy_location": "EveryNode",
        "http_options": {"host": "0.0.0.0", "port": SERVE_PORT},
        "applications": [
            {
                "name": APP_NAME,
                "import_path": APP_IMPORT_PATH,
                "route_prefix": "/",
                # defaults left out: the runtime applies its own, and a new runtime default does not
                # rewrite every serveConfigV2
                "args": args.model_dump(by_alias=True, exclude_defaults=True, mode="json"),
                "deployments": [
                    {
                        "name": INGRESS_DEPLOYMENT,
                        "num_replicas": args.ingress_replicas,
                        "max_ongoing_requests": args.ingress_max_ongoing_requests,
                        "ray_actor_options": ingress_options,
                    },
                    {
                        "name": model_deployment_name(name),
                        "num_replicas": initial_replicas(spec, replicas),
                        "max_ongoing_requests": spec.serving.max_ongoing_requests,
                        "max_queued_requests": args.max_queued_requests,
                        "ray_actor_options": model_options,
                    },
                ],
            }
        ],
    }


def runtime_env(
    spec_weights_source: str, output_dir: str | None, *, model: str | None = None
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
    if spec_weights_source == "pvc":
        env.append({"name": ENV_PVC_MOUNT, "value": MODELS_MOUNT})
    return env


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


def _volumes(
    spec: VoiceModelSpec, settings: BuildSettings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, worker volumeMounts): the model cache, the weights PVC if any, the audio output."""
    cache, cache_mount = cache_volume(settings)
    volumes = [cache]
    mounts = [cache_mount]
    if spec.weights.source == "pvc" and spec.weights.claim_name:
        pvc, pvc_mount = weights_pvc(spec.weights.claim_name)
        volumes.append(pvc)
        mounts.append(pvc_mount)
    volumes.append(output_volume(spec.output.volume_claim))
    mounts.append({"name": "audio-output", "mountPath": spec.output.path})
    return volumes, mounts


def output_volume(claim: str | None) -> dict[str, Any]:
    """The audio output volume: the PVC when given, else an emptyDir (files live as long as the pod)."""
    if claim:
        return {"name": "audio-output", "persistentVolumeClaim": {"claimName": claim}}
    return {"name": "audio-output", "emptyDir": {}}


def worker_resources(spec: ServedSpec, settings: BuildSettings) -> dict[str, Any]:
    """One worker pod: its replicas' CPUs plus room for an ingress replica, the model's memory, its GPU."""
    cpus = math.ceil(replicas_per_pod(spec) * spec.resources.cpu + settings.ingress_num_cpus - 1e-9)
    requests: dict[str, Any] = {"cpu": str(max(1, cpus)), "memory": spec.resources.memory}
    limits = dict(requests)
    if uses_gpu(spec):
        gpus = 1 if spec.resources.gpu_fraction is not None else spec.resources.gpu
        requests[GPU_RESOURCE] = str(gpus)
        limits[GPU_RESOURCE] = str(gpus)
    return {"requests": requests, "limits": limits}


def gpu_scheduling(
    spec: ServedSpec, settings: BuildSettings
) -> tuple[dict[str, str] | None, list[dict[str, Any]] | None]:
    if not uses_gpu(spec):
        return None, None
    selector = dict(settings.gpu_node_selector)
    if spec.resources.accelerator:
        selector[GPU_PRODUCT_LABEL] = spec.resources.accelerator
    return selector or None, list(settings.gpu_tolerations) or None


def build_rayservice(
    name: str,
    namespace: str,
    spec: VoiceModelSpec,
    settings: BuildSettings,
    *,
    replicas: int | None = None,
    owner: dict[str, Any] | None = None,
    credentials_revision: str | None = None,
) -> dict[str, Any]:
    """The RayService for VoiceModel ``name``.

    ``replicas``: the model deployment's replicas (the autoscaler's number, clamped to the bounds);
    default ``spec.replicas.initial`` or ``spec.replicas.min``. ``owner``: the VoiceModel body, for a
    controller ownerReference.
    """
    volumes, worker_mounts = _volumes(spec, settings)
    secret_vols, secret_mounts = secret_volumes(credential_plan(name, spec))
    node_selector, tolerations = gpu_scheduling(spec, settings)
    plan = ClusterPlan(
        labels=common_labels(COMPONENT, voicemodel=name),
        image=spec.image or settings.image,
        env=runtime_env(spec.weights.source, spec.output.path, model=name),
        volumes=volumes + secret_vols,
        mounts=worker_mounts + secret_mounts,
        worker_resources=worker_resources(spec, settings),
        node_selector=node_selector,
        tolerations=tolerations,
        group_name=worker_group_name(spec),
        pods=pods_for(initial_replicas(spec, replicas), spec),
        min_pods=pods_for(spec.replicas.min, spec),
        max_pods=pods_for(spec.replicas.max, spec),
        autoscaler=autoscaler_enabled(spec),
    )
    serve_config = build_serve_config(
        name, spec, settings, replicas=replicas, credentials_revision=credentials_revision
    )
    return assemble_rayservice(
        name, namespace, plan, settings, serve_config=serve_config, hash_of_spec=spec_hash(spec), owner=owner
    )


def model_replicas(
    rayservice: dict[str, Any], voicemodel: str | None = None, *, deployment: str | None = None
) -> int | None:
    """The model deployment's num_replicas in a RayService's serveConfigV2, or None when absent/unreadable.

    ``deployment`` names it (a TextModel's ``LLM-{name}``), else ``voicemodel`` (``TTS-{voicemodel}``);
    without either, the one deployment that is not the ingress.
    """
    text = (rayservice.get("spec") or {}).get("serveConfigV2")
    if not isinstance(text, str):
        return None
    try:
        config = load_yaml(text)
    except yaml.YAMLError:
        return None
    if not isinstance(config, dict):
        return None
    wanted = deployment or (model_deployment_name(voicemodel) if voicemodel else None)
    for app in config.get("applications") or []:
        if not isinstance(app, dict):
            continue
        for dep in app.get("deployments") or []:
            if not isinstance(dep, dict):
                continue
            dep_name = dep.get("name")
            if (wanted and dep_name == wanted) or (not wanted and dep_name != INGRESS_DEPLOYMENT):
                value = dep.get("num_replicas")
                return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None
