"""TextModel -> KubeRay RayService running voxray's Serve app with one text model.

One truth with the VoiceModel: the same app (``APP_IMPORT_PATH``), ingress, security builder (keys
Secret / OIDC / limits / audit key / generated credentials), pod templates, scaling split and names; only
the model deployment and the worker pods differ.

- ``llamacpp`` (CPU by default): ``LLM-<name>`` gets ``num_cpus = resources.cpu`` and, when
  ``serving.threads`` is unset, the engine's threads are set to those CPUs (inside a pod the engine
  would otherwise see every core of the node, not the ones Ray reserved for it).
- ``vllm`` (GPU): the engine deployment is Ray Serve LLM's; its placement group asks Ray for
  ``tensorParallelSize`` GPUs per replica, so ``LLM-<name>`` carries no ``ray_actor_options`` here
  (only replicas and concurrency), and each worker pod requests ``resources.gpu`` GPUs (at least
  ``tensorParallelSize``: one replica never spans pods) with the accelerator node selector, the
  Hugging Face cache (``HF_HOME`` on the writable cache volume; ``HF_TOKEN`` from the operator's
  ``hf_token_secret`` for gated repos), a memory-backed ``/dev/shm`` for NCCL
  between the tensor-parallel workers, and PVC weights read-only at ``/models``.
- The autoscaler owns ``num_replicas`` of ``LLM-<name>`` (:func:`text_deployment_name`).
"""

from __future__ import annotations

import math
from typing import Any

from voxray_operator.builders.cluster import (
    SERVE_PORT,
    ClusterPlan,
    assemble_rayservice,
)
from voxray_operator.builders.common import common_labels, spec_hash
from voxray_operator.builders.rayservice import (
    autoscaler_enabled,
    cache_volume,
    gpu_scheduling,
    initial_replicas,
    plain_number,
    pods_for,
    replica_num_gpus,
    runtime_env,
    serve_endpoint,
    uses_gpu,
    weights_pvc,
    worker_group_name,
    worker_resources,
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
    TextModelArgs,
    text_deployment_name,
)
from voxray_runtime.spec.textmodel import TextModelSpec

COMPONENT = "textmodel"
#: the OpenAI-compatible routes live under /v1 of the Serve ingress
API_PREFIX = "/v1"
SHM_MOUNT = "/dev/shm"
#: the data key of the Hugging Face token Secret
HF_TOKEN_KEY = "token"


def text_base_url(rayservice: str, namespace: str) -> str:
    """What an OpenAI client takes as ``base_url``: the Serve Service plus ``/v1``."""
    return serve_endpoint(rayservice, namespace) + API_PREFIX


def engine_threads(spec: TextModelSpec) -> int:
    """``serving.threads``, else the whole CPUs Ray reserves for one replica (at least one)."""
    return spec.serving.threads or max(1, math.floor(spec.resources.cpu + 1e-9))


def served_spec(spec: TextModelSpec) -> TextModelSpec:
    """The spec as the Serve app gets it: llama.cpp threads made explicit (see the module docstring)."""
    if spec.engine != "llamacpp" or spec.serving.threads is not None:
        return spec
    serving = spec.serving.model_copy(update={"threads": engine_threads(spec)})
    return spec.model_copy(update={"serving": serving})


def text_app_args(name: str, spec: TextModelSpec, settings: BuildSettings) -> AppArgs:
    return AppArgs(
        text_models=[TextModelArgs(name=name, spec=served_spec(spec))],
        ingress_replicas=settings.ingress_replicas,
        ingress_max_ongoing_requests=settings.ingress_max_ongoing_requests,
        ingress_num_cpus=settings.ingress_num_cpus,
        security=security_args(name, spec),
    )


def build_text_serve_config(
    name: str,
    spec: TextModelSpec,
    settings: BuildSettings,
    *,
    replicas: int | None = None,
    credentials_revision: str | None = None,
) -> dict[str, Any]:
    """The serveConfigV2 document of TextModel ``name`` (as a dict)."""
    args = text_app_args(name, spec, settings)
    ingress_options: dict[str, Any] = {"num_cpus": plain_number(args.ingress_num_cpus)}
    if credentials_revision:
        ingress_options["runtime_env"] = {"env_vars": {CREDENTIALS_REVISION_ENV: credentials_revision}}
    model: dict[str, Any] = {
        "name": text_deployment_name(name),
        "num_replicas": initial_replicas(spec, replicas),
        "max_ongoing_requests": spec.serving.effective_max_ongoing_requests,
        "max_queued_requests": args.max_queued_requests,
    }
    if spec.engine == "llamacpp":
        options: dict[str, Any] = {"num_cpus": plain_number(spec.resources.cpu)}
        if uses_gpu(spec):
            options["num_gpus"] = plain_number(replica_num_gpus(spec))
        model["ray_actor_options"] = options
    return {
        "proxy_location": "EveryNode",
        "http_options": {"host": "0.0.0.0", "port": SERVE_PORT},
        "applications": [
            {
                "name": APP_NAME,
                "import_path": APP_IMPORT_PATH,
                "route_prefix": "/",
                "args": args.model_dump(by_alias=True, exclude_defaults=True, mode="json"),
                "deployments": [
                    {
                        "name": INGRESS_DEPLOYMENT,
                        "num_replicas": args.ingress_replicas,
                        "max_ongoing_requests": args.ingress_max_ongoing_requests,
                        "ray_actor_options": ingress_options,
                    },
                    model,
                ],
            }
        ],
    }


def _volumes(
    spec: TextModelSpec, settings: BuildSettings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, worker mounts): the model cache, the weights PVC if any, /dev/shm for vLLM."""
    cache, cache_mount = cache_volume(settings)
    volumes, mounts = [cache], [cache_mount]
    if spec.weights.source == "pvc" and spec.weights.claim_name:
        pvc, pvc_mount = weights_pvc(spec.weights.claim_name)
        volumes.append(pvc)
        mounts.append(pvc_mount)
    if spec.engine == "vllm":
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory"}})
        mounts.append({"name": "dshm", "mountPath": SHM_MOUNT})
    return volumes, mounts


def text_env(spec: TextModelSpec, settings: BuildSettings) -> list[dict[str, Any]]:
    """The Ray containers' environment: the shared one, plus ``HF_TOKEN`` from ``settings.hf_token_secret``
    for Hugging Face weights (a gated repo needs it; ``optional``, so a public one works without it)."""
    env = runtime_env(spec.weights.source, None)
    if spec.weights.source == "huggingface" and settings.hf_token_secret:
        ref = {"name": settings.hf_token_secret, "key": HF_TOKEN_KEY, "optional": True}
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": ref}})
    return env


def build_text_rayservice(
    name: str,
    namespace: str,
    spec: TextModelSpec,
    settings: BuildSettings,
    *,
    replicas: int | None = None,
    owner: dict[str, Any] | None = None,
    credentials_revision: str | None = None,
) -> dict[str, Any]:
    """The RayService for TextModel ``name`` (arguments as :func:`build_rayservice`)."""
    volumes, mounts = _volumes(spec, settings)
    secret_vols, secret_mounts = secret_volumes(credential_plan(name, spec))
    node_selector, tolerations = gpu_scheduling(spec, settings)
    plan = ClusterPlan(
        labels=common_labels(COMPONENT, textmodel=name),
        image=spec.image or settings.image,
        env=text_env(spec, settings),
        volumes=volumes + secret_vols,
        mounts=mounts + secret_mounts,
        worker_resources=worker_resources(spec, settings),
        node_selector=node_selector,
        tolerations=tolerations,
        group_name=worker_group_name(spec),
        pods=pods_for(initial_replicas(spec, replicas), spec),
        min_pods=pods_for(spec.replicas.min, spec),
        max_pods=pods_for(spec.replicas.max, spec),
        autoscaler=autoscaler_enabled(spec),
        worker_only=frozenset({"models", "dshm"}),
    )
    serve_config = build_text_serve_config(
        name, spec, settings, replicas=replicas, credentials_revision=credentials_revision
    )
    return assemble_rayservice(
        name, namespace, plan, settings, serve_config=serve_config, hash_of_spec=spec_hash(spec), owner=owner
    )
