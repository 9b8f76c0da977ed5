"""TranscriptionModel -> KubeRay RayService running voxray's Serve app with one speech-recognition model.

One truth with the VoiceModel and TextModel: the same app (``APP_IMPORT_PATH``), ingress, security builder
(keys Secret / OIDC / limits / audit key / generated credentials), pod templates, scaling split and names;
only the model deployment differs: ``STT-<name>`` (Whisper on faster-whisper, :class:`STTModel` of the
runtime) with ``num_cpus = resources.cpu`` (its CTranslate2 threads: ``serving.threads``, else those
CPUs, as the runtime spec derives them), ``num_gpus`` on a GPU (the engine then runs on ``cuda``),
``serving.maxConcurrent + serving.maxQueue`` ongoing requests and ``serving.maxQueue`` queued.

Weights: packaged (Whisper base, inside the runtime image's Python packages), a Hugging Face repo (into
the writable cache, ``HF_HOME``) or a PVC mounted read-only at ``/models``. The autoscaler owns
``num_replicas`` of ``STT-<name>`` (``stt_deployment_name`` of the app args).

The deployment's Serve options: :func:`voxray_runtime.serve.options.transcription_model_config`; the
cluster and the serveConfigV2 skeleton are the served kinds' common ones (:mod:`.workload`,
:mod:`.serveconfig`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voxray_operator.builders.serveconfig import serve_config, served_app_args
from voxray_operator.builders.workload import pod_volumes, runtime_env, served_rayservice, weights_claim
from voxray_operator.config import BuildSettings
from voxray_runtime.serve.args import AppArgs, TranscriptionModelArgs
from voxray_runtime.serve.options import transcription_model_config
from voxray_runtime.spec.lexicon import LexiconSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec


def transcription_app_args(name: str, spec: TranscriptionModelSpec, settings: BuildSettings) -> AppArgs:
    """The Serve app's args of TranscriptionModel ``name``: its spec, ingress and security."""
    return served_app_args(name, spec, settings, stt=TranscriptionModelArgs(name=name, spec=spec))


def build_transcription_serve_config(
    name: str,
    spec: TranscriptionModelSpec,
    settings: BuildSettings,
    *,
    replicas: int | None = None,
    credentials_revision: str | None = None,
) -> dict[str, Any]:
    """The serveConfigV2 document of TranscriptionModel ``name`` (as a dict)."""
    args = transcription_app_args(name, spec, settings)
    assert args.stt is not None  # set just above
    model = transcription_model_config(args.stt, replicas=replicas)
    return serve_config(args, model, credentials_revision=credentials_revision)


def build_transcription_rayservice(
    name: str,
    namespace: str,
    spec: TranscriptionModelSpec,
    settings: BuildSettings,
    *,
    replicas: int | None = None,
    owner: dict[str, Any] | None = None,
    credentials_revision: str | None = None,
    lexicons: Mapping[str, LexiconSpec] | None = None,
) -> dict[str, Any]:
    """The RayService for TranscriptionModel ``name`` (arguments as :func:`build_rayservice`; a
    TranscriptionModel names no Lexicon: ``lexicons`` is taken for the served kinds' one signature and
    unused)."""
    config = build_transcription_serve_config(
        name, spec, settings, replicas=replicas, credentials_revision=credentials_revision
    )
    return served_rayservice(
        "TranscriptionModel",
        name,
        namespace,
        spec,
        settings,
        env=runtime_env(spec.weights.source, None),
        volumes=pod_volumes(settings, weights=weights_claim(spec)),
        serve_config=config,
        replicas=replicas,
        owner=owner,
    )
