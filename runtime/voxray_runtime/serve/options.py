"""Serve deployment options of voxray's app: the one place that computes them.

Two readers, one set of functions:

- :mod:`voxray_runtime.serve.app` passes :func:`ingress_options`, :func:`model_options`,
  :func:`text_model_options` and :func:`transcription_model_options` to ``serve.deployment``: the options
  a deployment has in code (what ``voxray serve`` and ``serve run`` get);
- the operator's serveConfigV2 builder writes :func:`ingress_config`, :func:`model_config`,
  :func:`text_model_config` and :func:`transcription_model_config` as the application's ``deployments``:
  what a RayService sets over the options in code (Serve applies a config's deployment fields over the
  code's). Only the fields the operator owns are written there (replicas, concurrency, queue, actor
  resources); health checks and backpressure come from code.

Where the two differ on purpose: the config's ``num_replicas`` is the autoscaler's number clamped to the
spec's bounds (code: the initial count, at least one), its numbers are written plainly (``2``, not
``2.0``) and a CPU replica's ``num_gpus`` is left out. One difference is a fact of today's clusters to
keep in mind, not a design: a llama.cpp TextModel's config has ``max_ongoing_requests = slots + maxQueue``
and the app-wide ``max_queued_requests``, where code has one more ongoing request and ``maxQueue``.

Light on purpose (pydantic only, no ray): the operator imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voxray_runtime.serve.args import (
    INGRESS_DEPLOYMENT,
    AppArgs,
    ModelArgs,
    TextModelArgs,
    TranscriptionModelArgs,
    model_deployment_name,
    stt_deployment_name,
    text_deployment_name,
)
from voxray_runtime.spec.voicemodel import ReplicasSpec, ResourcesSpec

#: health checking and shutdown of a model replica (in code only)
MODEL_HEALTH_OPTIONS: dict[str, int] = {
    "health_check_period_s": 10,
    "health_check_timeout_s": 30,
    "graceful_shutdown_timeout_s": 30,
}
#: an ingress past its concurrency cap answers 429 with Retry-After (in code only)
INGRESS_BACKPRESSURE: dict[str, int] = {"status_code": 429, "retry_after_s": 1}


def plain_number(value: float) -> int | float:
    """``2`` for ``2.0``, the value itself otherwise: how serveConfigV2 writes numbers."""
    return int(value) if float(value).is_integer() else value


def uses_gpu(resources: ResourcesSpec) -> bool:
    """Whether a replica asks for a GPU: a fraction, or at least one whole GPU."""
    return resources.gpu_fraction is not None or resources.gpu > 0


def replica_num_gpus(resources: ResourcesSpec) -> float:
    """Ray ``num_gpus`` of one model replica: the fraction when given, else the whole GPUs."""
    if resources.gpu_fraction is not None:
        return resources.gpu_fraction
    return float(resources.gpu)


def starting_replicas(replicas: ReplicasSpec) -> int:
    """``replicas.initial``, else ``replicas.min``."""
    return replicas.initial if replicas.initial is not None else replicas.min


def bounded_replicas(replicas: ReplicasSpec, wanted: int | None = None) -> int:
    """``wanted`` (the autoscaler's number) clamped to the bounds; without it :func:`starting_replicas`."""
    count = starting_replicas(replicas) if wanted is None else wanted
    return max(replicas.min, min(replicas.max, count))


def actor_resources(resources: ResourcesSpec) -> dict[str, Any]:
    """``ray_actor_options`` of a model replica in serveConfigV2: its CPUs, and its GPUs when it has any."""
    options: dict[str, Any] = {"num_cpus": plain_number(resources.cpu)}
    if uses_gpu(resources):
        options["num_gpus"] = plain_number(replica_num_gpus(resources))
    return options


# ---- in code: serve.deployment(**options) -----------------------------------------------------------------
def model_options(m: ModelArgs, app_args: AppArgs) -> dict[str, Any]:
    """Serve options of a VoiceModel deployment, from its spec."""
    s = m.spec
    return {
        "name": model_deployment_name(m.name),
        "num_replicas": max(1, starting_replicas(s.replicas)),
        "max_ongoing_requests": s.serving.max_ongoing_requests,
        "max_queued_requests": app_args.max_queued_requests,
        "ray_actor_options": {"num_cpus": s.resources.cpu, "num_gpus": replica_num_gpus(s.resources)},
        **MODEL_HEALTH_OPTIONS,
    }


def text_model_options(t: TextModelArgs, app_args: AppArgs) -> dict[str, Any]:
    """Serve options of a llama.cpp TextModel deployment. The replica takes its CPUs for the engine
    threads; Serve queues at most ``serving.maxQueue`` beyond the ongoing requests."""
    s = t.spec
    return {
        "name": text_deployment_name(t.name),
        "num_replicas": max(1, starting_replicas(s.replicas)),
        # the engine's own queue answers 503 + Retry-After past slots + maxQueue; Serve's may hold a few
        # more while they are routed
        "max_ongoing_requests": s.serving.effective_max_ongoing_requests + 1,
        "max_queued_requests": max(1, s.serving.max_queue),
        "ray_actor_options": {"num_cpus": s.resources.cpu, "num_gpus": 0},
        **MODEL_HEALTH_OPTIONS,
    }


def admission_slots(app_args: AppArgs) -> dict[str, int]:
    """Requests each ingress replica lets through to a model at once (the rest wait in its admission
    queue): the model's ``max_ongoing_requests`` times its starting replicas, shared among the ingress
    replicas (a TextModel: twice its sequences decoded at once). Little's law keeps the drain-rate
    estimate right if the model holds fewer at once."""
    out: dict[str, int] = {}
    for m in app_args.models:
        per = m.spec.serving.max_ongoing_requests * max(1, starting_replicas(m.spec.replicas))
        out[m.name] = max(1, per // app_args.ingress_replicas)
    for t in app_args.text_models:
        # the sequences decoded at once and as many queued behind them (the engine's own queue is FIFO:
        # what waits here goes by priority)
        serving = t.spec.serving
        held = min(serving.effective_max_ongoing_requests, 2 * serving.max_concurrent_sequences)
        per = held * max(1, starting_replicas(t.spec.replicas))
        out[t.name] = max(1, per // app_args.ingress_replicas)
    return out


def engine_env(t: TranscriptionModelArgs) -> dict[str, Any]:
    """The replica's runtime env: CTranslate2's OpenMP on the engine's threads. Ray sets OMP_NUM_THREADS
    to a replica's whole CPUs (1 below one CPU) when the process starts, unless it is given; with 1, Whisper
    decodes other words than faster-whisper's own on the same audio (measured on voxray's espeak clips)."""
    return {"env_vars": {"OMP_NUM_THREADS": str(t.spec.engine_threads)}}


def transcription_model_options(t: TranscriptionModelArgs) -> dict[str, Any]:
    """Serve options of a TranscriptionModel deployment: ``serving.maxConcurrent`` transcriptions run at
    once, Serve queues ``serving.maxQueue`` more (429 with Retry-After beyond)."""
    s = t.spec
    return {
        "name": stt_deployment_name(t.name),
        "num_replicas": max(1, starting_replicas(s.replicas)),
        "max_ongoing_requests": s.serving.max_ongoing_requests,
        "max_queued_requests": max(1, s.serving.max_queue),
        "ray_actor_options": {
            "num_cpus": s.resources.cpu,
            "num_gpus": replica_num_gpus(s.resources),
            "runtime_env": engine_env(t),
        },
        **MODEL_HEALTH_OPTIONS,
    }


def ingress_options(app_args: AppArgs, user_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Serve options of the FastAPI ingress; ``user_config``: its lexicons (:mod:`.lexicons`)."""
    extra = {"user_config": dict(user_config)} if user_config is not None else {}
    return {
        **extra,
        "name": INGRESS_DEPLOYMENT,
        "num_replicas": app_args.ingress_replicas,
        "max_ongoing_requests": app_args.ingress_max_ongoing_requests,
        # as many may wait in Serve's router for the ingress as it takes at once: admission
        # (api/admitting.py) decides on every request; Serve's own plain-text 429 stays a last resort
        "max_queued_requests": app_args.ingress_max_ongoing_requests,
        "backpressure_config": dict(INGRESS_BACKPRESSURE),
        "ray_actor_options": {"num_cpus": app_args.ingress_num_cpus},
    }


# ---- in serveConfigV2: the deployment fields a RayService sets ------------------------------------------
def ingress_config(
    app_args: AppArgs,
    *,
    env_vars: Mapping[str, str] | None = None,
    user_config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ingress's entry in serveConfigV2 ``deployments``.

    ``env_vars``: put into its replicas' runtime env, so that changing them replaces the ingress replicas
    (the operator's credentials revision: they read the API keys file when they start).
    ``user_config``: the lexicons (:mod:`.lexicons`); changing it alone reconfigures the live replicas.
    """
    options: dict[str, Any] = {"num_cpus": plain_number(app_args.ingress_num_cpus)}
    if env_vars:
        options["runtime_env"] = {"env_vars": dict(env_vars)}
    entry: dict[str, Any] = {
        "name": INGRESS_DEPLOYMENT,
        "num_replicas": app_args.ingress_replicas,
        "max_ongoing_requests": app_args.ingress_max_ongoing_requests,
        "ray_actor_options": options,
    }
    if user_config is not None:
        entry["user_config"] = dict(user_config)
    return entry


def model_config(m: ModelArgs, app_args: AppArgs, *, replicas: int | None = None) -> dict[str, Any]:
    """A VoiceModel deployment's entry in serveConfigV2 ``deployments``; ``replicas`` as
    :func:`bounded_replicas` takes it."""
    s = m.spec
    return {
        "name": model_deployment_name(m.name),
        "num_replicas": bounded_replicas(s.replicas, replicas),
        "max_ongoing_requests": s.serving.max_ongoing_requests,
        "max_queued_requests": app_args.max_queued_requests,
        "ray_actor_options": actor_resources(s.resources),
    }


def text_model_config(t: TextModelArgs, app_args: AppArgs, *, replicas: int | None = None) -> dict[str, Any]:
    """A TextModel deployment's entry in serveConfigV2 ``deployments``.

    vLLM: no ``ray_actor_options`` (Ray Serve LLM's placement group asks for the tensor-parallel GPUs).
    """
    s = t.spec
    entry: dict[str, Any] = {
        "name": text_deployment_name(t.name),
        "num_replicas": bounded_replicas(s.replicas, replicas),
        "max_ongoing_requests": s.serving.effective_max_ongoing_requests,
        "max_queued_requests": app_args.max_queued_requests,
    }
    if s.engine == "llamacpp":
        entry["ray_actor_options"] = actor_resources(s.resources)
    return entry


def transcription_model_config(t: TranscriptionModelArgs, *, replicas: int | None = None) -> dict[str, Any]:
    """A TranscriptionModel deployment's entry in serveConfigV2 ``deployments``."""
    s = t.spec
    return {
        "name": stt_deployment_name(t.name),
        "num_replicas": bounded_replicas(s.replicas, replicas),
        "max_ongoing_requests": s.serving.max_ongoing_requests,
        "max_queued_requests": max(1, s.serving.max_queue),
        "ray_actor_options": {**actor_resources(s.resources), "runtime_env": engine_env(t)},
    }
