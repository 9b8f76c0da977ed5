"""The app builder: what serveConfigV2's ``import_path`` + ``args`` point at, and ``voxray serve`` runs.

    import_path: voxray_runtime.serve.app:build_app
    args: {models: [{name: kokoro, spec: {engine: kokoro, ...}}], outputDir: /data/audio}

Ingress (FastAPI) -> one deployment per VoiceModel (``TTS-<name>``) and per TextModel (``LLM-<name>``:
llama.cpp in :class:`voxray_runtime.serve.text.TextLLM`, or Ray Serve LLM's vLLM deployment), and the
TranscriptionModel's (``STT-<name>``: :class:`voxray_runtime.serve.stt.STTModel`), composed by handles.
The deployments' options come from :mod:`voxray_runtime.serve.options`, which the operator's
serveConfigV2 builder reads too.
"""

from __future__ import annotations

from typing import Any

from ray import serve
from ray.serve import Application

from voxray_runtime.serve.args import AppArgs
from voxray_runtime.serve.ingress import Ingress
from voxray_runtime.serve.model import TTSModel
from voxray_runtime.serve.options import (
    ingress_options,
    model_options,
    text_model_options,
    transcription_model_options,
)


def build_app(args: dict[str, Any]) -> Application:
    """Typed app builder for serveConfigV2 and ``serve run`` (Serve calls an import-path builder with
    exactly one argument: the args)."""
    return build_app_with(args)


def build_app_with(args: dict[str, Any], ingress_user_config: dict[str, Any] | None = None) -> Application:
    """:func:`build_app` with the ingress's ``user_config``: the lexicons
    (:mod:`voxray_runtime.serve.lexicons`) where no serveConfigV2 sets them (``voxray serve``)."""
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
            text_handles[t.name] = text.bind(t.name, t.spec)
    stt_handle = None
    if app_args.stt is not None:  # a TranscriptionModel: its own deployment, replicas and limits
        from voxray_runtime.serve.stt import STTModel

        stt = serve.deployment(**transcription_model_options(app_args.stt))(STTModel)
        stt_handle = stt.bind(app_args.stt)
    ingress = serve.deployment(**ingress_options(app_args, ingress_user_config))(Ingress)
    app: Application = ingress.bind(app_args, handles, text_handles, stt_handle)
    return app
