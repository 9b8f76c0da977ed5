"""The app builder: what serveConfigV2's ``import_path`` + ``args`` point at, and ``voxray serve`` runs.

    import_path: voxray_runtime.serve.app:build_app
    args: {models: [{name: kokoro, spec: {engine: kokoro, ...}}], outputDir: /data/audio}

Ingress (FastAPI) -> one deployment per VoiceModel (``TTS-<name>``) and per TextModel (``LLM-<name>``:
llama.cpp in :class:`voxray_runtime.serve.text.TextLLM`, or Ray Serve LLM's vLLM deployment), composed by
handles.
"""

from __future__ import annotations

from typing import Any

from ray import serve
from ray.serve import Application

from voxray_runtime.serve.args import (
    INGRESS_DEPLOYMENT,
    AppArgs,
    ModelArgs,
    TextModelArgs,
    model_deployment_name,
    text_deployment_name,
)
from voxray_runtime.serve.ingress import Ingress
from voxray_runtime.serve.model import TTSModel


def model_options(m: ModelArgs, app_args: AppArgs) -> dict[str, Any]:
    """Serve options of a model deployment, from its VoiceModel spec (pure)."""
    s = m.spec
    gpus = s.resources.gpu_fraction if s.resources.gpu_fraction is not None else float(s.resources.gpu)
    replicas = s.replicas.initial if s.replicas.initial is not None else s.replicas.min
    return {
        "name": model_deployment_name(m.name),
        "num_replicas": max(1, replicas),
        "max_ongoing_requests": s.serving.max_ongoing_requests,
        "max_queued_requests": app_args.max_queued_requests,
        "ray_actor_options": {"num_cpus": s.resources.cpu, "num_gpus": gpus},
        "health_check_period_s": 10,
        "health_check_timeout_s": 30,
        "graceful_shutdown_timeout_s": 30,
    }


def text_model_options(t: TextModelArgs, app_args: AppArgs) -> dict[str, Any]:
    """Serve options of a llama.cpp TextModel deployment (pure). The replica takes its CPUs for the
    engine threads; Serve queues at most ``serving.maxQueue`` beyond the ongoing requests."""
    s = t.spec
    replicas = s.replicas.initial if s.replicas.initial is not None else s.replicas.min
    return {
        "name": text_deployment_name(t.name),
        "num_replicas": max(1, replicas),
        # the engine's own queue answers 503 + Retry-After past slots + maxQueue; Serve's may hold a few
        # more while they are routed
        "max_ongoing_requests": s.serving.effective_max_ongoing_requests + 1,
        "max_queued_requests": max(1, s.serving.max_queue),
        "ray_actor_options": {"num_cpus": s.resources.cpu, "num_gpus": 0},
        "health_check_period_s": 10,
        "health_check_timeout_s": 30,
        "graceful_shutdown_timeout_s": 30,
    }


def ingress_options(app_args: AppArgs) -> dict[str, Any]:
    return {
        "name": INGRESS_DEPLOYMENT,
        "num_replicas": app_args.ingress_replicas,
        "max_ongoing_requests": app_args.ingress_max_ongoing_requests,
        "max_queued_requests": app_args.max_queued_requests,
        "backpressure_config": {"status_code": 429, "retry_after_s": 1},
        "ray_actor_options": {"num_cpus": app_args.ingress_num_cpus},
    }


def build_app(args: dict[str, Any]) -> Application:
    """Typed app builder for serveConfigV2 and ``serve run``."""
    app_args = AppArgs.model_validate(args)
    handles = {}
    for m in app_args.models:
        opts = model_options(m, app_args)
        device = "cuda" if opts["ray_actor_options"]["num_gpus"] else "cpu"
        deployment = serve.deployment(**opts)(TTSModel)
        handles[m.name] = deployment.bind(m.name, m.spec, device)
    text_handles = {}
    for t in app_args.text_models:
        if t.spec.engine == "vllm":
            from voxray_runtime.engines.text.vllm import build_llm_deployment

            text_handles[t.name] = build_llm_deployment(t.name, t.spec)
        else:
            from voxray_runtime.serve.text import TextLLM

            text = serve.deployment(**text_model_options(t, app_args))(TextLLM)
            text_handles[t.name] = text.bind(t.name, t.spec.to_wire())
    ingress = serve.deployment(**ingress_options(app_args))(Ingress)
    app: Application = ingress.bind(app_args, handles, text_handles)
    return app
