"""VoiceModel -> KubeRay RayService (serveConfigV2 pointing at the runtime's Serve app).

What is VoiceModel's own: the model deployment ``TTS-<name>`` (its Serve options from
:func:`voxray_runtime.serve.options.model_config`), the audio output volume (``store=true`` writes there)
and ``VOXRAY_MODEL`` / ``VOXRAY_OUTPUT_DIR`` in the pods' environment. The cluster, its sizing and scaling
split (:mod:`.workload`, :mod:`.cluster`) and the serveConfigV2 skeleton (:mod:`.serveconfig`) are the
served kinds' common ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voxray_operator.builders.lexicons import needed_lexicons
from voxray_operator.builders.object_output import is_object_path, object_store_env
from voxray_operator.builders.serveconfig import serve_config, served_app_args
from voxray_operator.builders.workload import pod_volumes, runtime_env, served_rayservice, weights_claim
from voxray_operator.config import BuildSettings
from voxray_runtime.serve.args import AppArgs, ModelArgs
from voxray_runtime.serve.lexicons import ingress_user_config
from voxray_runtime.serve.options import model_config
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec


def app_args(name: str, spec: VoiceModelSpec, settings: BuildSettings) -> AppArgs:
    """The Serve app's args of VoiceModel ``name``: its spec, its output folder, ingress and security."""
    return served_app_args(
        name, spec, settings, models=[ModelArgs(name=name, spec=spec)], output_dir=spec.output.path
    )


def build_serve_config(
    name: str,
    spec: VoiceModelSpec,
    settings: BuildSettings,
    *,
    replicas: int | None = None,
    credentials_revision: str | None = None,
    lexicons: Mapping[str, LexiconSpec] | None = None,
) -> dict[str, Any]:
    """The serveConfigV2 document of VoiceModel ``name`` (as a dict; build_rayservice dumps it to YAML).

    ``credentials_revision``: put into the ingress replicas' environment, so that changing it replaces
    them (they read the API keys file when they start).
    ``lexicons``: the Lexicons of the namespace that ``spec.lexicons`` names; their entries go into the
    ingress's ``user_config`` (a change there reconfigures the live replicas; none restarts). One missing:
    BuildError(retryable, LexiconNotFound).
    """
    args = app_args(name, spec, settings)
    model = model_config(args.models[0], args, replicas=replicas)
    found = needed_lexicons(spec.lexicons, lexicons)
    user_config = ingress_user_config(args.models, found)
    return serve_config(
        args, model, credentials_revision=credentials_revision, ingress_user_config=user_config
    )


def build_rayservice(
    name: str,
    namespace: str,
    spec: VoiceModelSpec,
    settings: BuildSettings,
    *,
    replicas: int | None = None,
    owner: dict[str, Any] | None = None,
    credentials_revision: str | None = None,
    lexicons: Mapping[str, LexiconSpec] | None = None,
) -> dict[str, Any]:
    """The RayService for VoiceModel ``name``.

    ``replicas``: the model deployment's replicas (the autoscaler's number, clamped to the bounds);
    default ``spec.replicas.initial`` or ``spec.replicas.min``. ``owner``: the VoiceModel body, for a
    controller ownerReference. ``lexicons``: as :func:`build_serve_config` takes them.
    """
    output = None if is_object_path(spec.output.path) else (spec.output.volume_claim, spec.output.path)
    config = build_serve_config(
        name, spec, settings, replicas=replicas, credentials_revision=credentials_revision, lexicons=lexicons
    )
    return served_rayservice(
        "VoiceModel",
        name,
        namespace,
        spec,
        settings,
        env=runtime_env(spec.weights.source, spec.output.path, model=name)
        + object_store_env(spec.output.path, spec.output.s3),
        volumes=pod_volumes(settings, weights=weights_claim(spec), output=output),
        serve_config=config,
        replicas=replicas,
        owner=owner,
    )
