"""A local Ray and the Serve app on it, as ``voxray serve`` starts them (also used by tests and
benchmarks that serve the app in-process)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from voxray_runtime.security.config import SecurityArgs

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def model_list(files: Sequence[str] | None) -> list[object]:
    from voxray_runtime.models import default_models, load_models

    return list(load_models(files)) if files else list(default_models())


def text_model_list(files: Sequence[str] | None, with_text: bool) -> list[object]:
    """TextModels of the files; without files the bundled one (unless ``--no-text``)."""
    from voxray_runtime.models import default_text_models, load_text_models

    if files:
        return list(load_text_models(files))
    return list(default_text_models()) if with_text else []


def transcription_model_list(files: Sequence[str] | None, with_stt: bool) -> list[object]:
    """The TranscriptionModel of the files, else the bundled one (Whisper base); none with ``--no-stt``."""
    from voxray_runtime.models import default_transcription_models, load_transcription_models

    if not with_stt:
        return []
    found: list[object] = list(load_transcription_models(files)) if files else []
    return found or list(default_transcription_models())


def wait_ready(url: str, timeout_s: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=5)
            if r.status_code == 200:
                return
            last = f"HTTP {r.status_code}"
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s ({last})")


#: a local Ray's workers run at this niceness: Ray's default (15) starves the model replicas, which are
#: the work of ``voxray serve``, as soon as anything else runs on the machine
LOCAL_WORKER_NICENESS = {"RAY_worker_niceness": "0", "VOXRAY_ENGINE_NICENESS": "5"}


def start_local_ray(address: str | None, num_cpus: int | None) -> None:
    import tempfile

    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if ray.is_initialized():
        return
    if address or os.environ.get("RAY_ADDRESS"):
        ray.init(address=address or os.environ["RAY_ADDRESS"], log_to_driver=False)
        return
    for key, value in LOCAL_WORKER_NICENESS.items():
        os.environ.setdefault(key, value)  # read by the raylet this ray.init starts
    ray.init(
        num_cpus=num_cpus or os.cpu_count() or 2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=tempfile.mkdtemp(prefix="voxray-ray-", dir="/tmp"),
        _metrics_export_port=int(os.environ.get("VOXRAY_METRICS_PORT", "8080")),
        log_to_driver=False,
    )


def serve_app(
    files: Sequence[str] | None,
    host: str,
    port: int,
    output_dir: str,
    *,
    security: SecurityArgs,
    address: str | None = None,
    num_cpus: int | None = None,
    timeout_s: float = 600.0,
    with_text: bool = True,
    with_stt: bool = True,
) -> str:
    """Start Serve with the app on host:port; returns the base URL once ``GET /healthz`` answers.

    With files, exactly the VoiceModels and TextModels they hold; without, the bundled voices and
    (``with_text``) the bundled TextModel. Speech recognition (``with_stt``): the files' TranscriptionModel,
    else the bundled one."""
    from ray import serve

    from voxray_runtime.models import NamedModel, NamedTextModel, NamedTranscriptionModel, load_lexicons
    from voxray_runtime.serve.app import build_app_with
    from voxray_runtime.serve.args import APP_NAME, AppArgs
    from voxray_runtime.serve.lexicons import ingress_user_config
    from voxray_runtime.spec.documents import SpecError
    from voxray_runtime.spec.lexicon import LexiconNotFoundError

    models = [m for m in model_list(files) if isinstance(m, NamedModel)]
    text_models = [m for m in text_model_list(files, with_text) if isinstance(m, NamedTextModel)]
    stt = [m for m in transcription_model_list(files, with_stt) if isinstance(m, NamedTranscriptionModel)]
    args = AppArgs.model_validate(
        {
            "models": [{"name": m.name, "spec": m.spec} for m in models],
            "text_models": [{"name": m.name, "spec": m.spec} for m in text_models],
            # speech recognition: the files' TranscriptionModel, else Whisper base, unless --no-stt
            "stt": {"name": stt[0].name, "spec": stt[0].spec} if stt else None,
            "output_dir": str(Path(output_dir).resolve()),
            "security": security,
        }
    )
    try:  # Lexicon documents in the same files as the VoiceModels naming them
        user_config = ingress_user_config(args.models, load_lexicons(files or ()))
    except LexiconNotFoundError as exc:
        raise SpecError(str(exc), field="spec.lexicons") from exc
    start_local_ray(address, num_cpus)
    # the proxy on the head only: the address printed is the one that answers, and a worker node lost
    # never takes connections with it (every node's proxy would share the port on one machine)
    serve.start(proxy_location="HeadOnly", http_options={"host": host, "port": port})
    app = build_app_with(args.to_wire(), user_config)
    serve.run(app, name=APP_NAME, route_prefix="/", blocking=False)
    base = f"http://{host}:{port}"
    wait_ready(f"{base}/healthz", timeout_s)
    return base
