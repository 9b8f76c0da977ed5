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
- The autoscaler owns ``num_replicas`` of ``LLM-<name>`` (``text_deployment_name`` of the app args).

The deployment's Serve options: :func:`voxray_runtime.serve.options.text_model_config`; the cluster and
the serveConfigV2 skeleton are the served kinds' common ones (:mod:`.workload`, :mod:`.serveconfig`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from voxray_operator.builders.serveconfig import serve_config, served_app_args
from voxray_operator.builders.workload import pod_volumes, runtime_env, served_rayservice, weights_claim
from voxray_operator.config import BuildSettings
from voxray_runtime.serve.args import AppArgs, TextModelArgs
from voxray_runtime.serve.options import text_model_config
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.textmodel import TextModelSpec

#: the data key of the Hugging Face token Secret
HF_TOKEN_KEY = "token"


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
    """The Serve app's args of TextModel ``name``: its spec as served, ingress and security."""
    return served_app_args(
        name, spec, settings, text_models=[TextModelArgs(name=name, spec=served_spec(spec))]
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
    model = text_model_config(args.text_models[0], args, replicas=replicas)
    return serve_config(args, model, credentials_revision=credentials_revision)


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
    lexicons: Mapping[str, LexiconSpec] | None = None,
) -> dict[str, Any]:
    """The RayService for TextModel ``name`` (arguments as :func:`build_rayservice`; a TextModel names no
    Lexicon: ``lexicons`` is taken for the served kinds' one signature and unused)."""
    config = build_text_serve_config(
        name, spec, settings, replicas=replicas, credentials_revision=credentials_revision
    )
    return served_rayservice(
        "TextModel",
        name,
        namespace,
        spec,
        settings,
        env=text_env(spec, settings),
        volumes=pod_volumes(settings, weights=weights_claim(spec), shm=spec.engine == "vllm"),
        serve_config=config,
        replicas=replicas,
        owner=owner,
    )
