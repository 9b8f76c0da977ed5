"""The app builder validates the app's arguments once and binds typed objects: the ingress gets the
``AppArgs``, each model deployment its ``VoiceModelSpec`` (replicas never parse a spec again). Building
the application starts no Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voxray_runtime.serve.app import build_app
from voxray_runtime.serve.args import AppArgs
from voxray_runtime.spec.voicemodel import VoiceModelSpec


def test_replicas_are_bound_to_validated_specs(tmp_path: Path) -> None:
    spec = {"engine": "espeak", "resources": {"cpu": 0.5}, "serving": {"threads": 1}}
    args = {
        "models": [{"name": "es", "spec": spec}],
        "output_dir": str(tmp_path),
        "security": {"auth": "disabled"},
    }
    app = build_app(args)
    ingress: Any = app._bound_deployment  # Ray Serve's bound deployment: its init args as given to bind
    app_args, handles, _text, stt = ingress.init_args
    assert stt is None  # no speech recognition asked for
    assert isinstance(app_args, AppArgs)
    assert app_args.models[0].spec == VoiceModelSpec.model_validate(spec)
    name, model_spec, device = handles["es"]._bound_deployment.init_args
    assert (name, device) == ("es", "cpu")
    assert isinstance(model_spec, VoiceModelSpec)
    assert model_spec is app_args.models[0].spec


def test_speech_recognition_gets_its_own_deployment(tmp_path: Path) -> None:
    args = {
        "models": [{"name": "es", "spec": {"engine": "espeak"}}],
        "stt": {"spec": {"replicas": {"min": 2, "max": 2}, "serving": {"maxDurationSeconds": 120}}},
        "output_dir": str(tmp_path),
        "security": {"auth": "disabled"},
    }
    ingress: Any = build_app(args)._bound_deployment
    app_args, _handles, _text, stt = ingress.init_args
    deployment = stt._bound_deployment
    assert deployment.name == "STT-whisper-base"
    assert deployment.num_replicas == 2
    (stt_args,) = deployment.init_args
    assert stt_args is app_args.stt
    assert stt_args.spec.serving.max_duration_seconds == 120
    assert deployment.max_ongoing_requests == stt_args.spec.serving.max_ongoing_requests


def test_build_app_is_an_import_path_builder() -> None:
    """Serve calls an import-path app builder (serveConfigV2 ``import_path``) with exactly one argument."""
    import inspect

    assert list(inspect.signature(build_app).parameters) == ["args"]
