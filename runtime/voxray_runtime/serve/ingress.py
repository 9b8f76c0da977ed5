"""The FastAPI ingress deployment: validates, resolves voices and routes jobs to model deployments."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

from ray import serve
from ray.exceptions import RayActorError
from ray.serve.exceptions import BackPressureError
from ray.serve.handle import DeploymentHandle, DeploymentResponseGenerator

from voxray_runtime.api.admission import AdmissionConfig
from voxray_runtime.api.admitting import Admission, AdmittedSpeechBackend, AdmittedTextBackend
from voxray_runtime.api.app import create_app
from voxray_runtime.api.idle import IdleMiddleware, IdleTrigger
from voxray_runtime.api.schemas import ModelInfo
from voxray_runtime.api.service import BackendOverloadedError, BackendTimeoutError, SpeechFrontend
from voxray_runtime.api.text_service import TextFrontend, TextModelEntry
from voxray_runtime.api.transcription import TranscriptionFrontend
from voxray_runtime.engines.stt.decode import AudioLimits
from voxray_runtime.engines.stt.whisper import Transcript
from voxray_runtime.models import NamedModel, catalog_for
from voxray_runtime.security.audit import configure_audit_stream
from voxray_runtime.security.authn import Authenticator
from voxray_runtime.security.config import SecurityArgs
from voxray_runtime.security.logs import configure_json_logging
from voxray_runtime.serve.args import AppArgs
from voxray_runtime.serve.heap import release_serving_heap
from voxray_runtime.serve.lexicons import IngressUserConfig
from voxray_runtime.serve.metrics import ServeAdmissionMetrics, ServeMetrics, ServeTextMetrics
from voxray_runtime.serve.options import admission_slots
from voxray_runtime.serve.text_backend import HandleTextBackend
from voxray_runtime.speech.job import SpeechJob, SpeechResult
from voxray_runtime.storage.location import ObjectPrefix, parse_location
from voxray_runtime.storage.retention import RetentionSweeper
from voxray_runtime.voices import Catalog

HEALTH_TIMEOUT_S = 5.0

_log = logging.getLogger("voxray.ingress")


def describe_security(settings: SecurityArgs, authenticator: Authenticator) -> str:
    """One log line on how the API is protected (key ids, never keys)."""
    if not authenticator.required:
        return "authentication is DISABLED: every caller is anonymous (loopback development only)"
    parts = []
    if authenticator.keys is not None:
        parts.append(f"{len(authenticator.keys)} API keys ({', '.join(authenticator.keys.ids[:20])})")
    if settings.oidc is not None:
        parts.append(f"OIDC tokens from {settings.oidc.issuer} for audience {settings.oidc.audience}")
    cors = ", ".join(settings.cors_allow_origins) or "off"
    return (
        f"authentication required: {'; '.join(parts)}; limits per caller: "
        f"{settings.requests_per_minute}/min, {settings.max_concurrent} in flight; "
        f"body {settings.max_body_bytes} bytes, text "
        f"{settings.max_text_chars} characters; CORS {cors}"
    )


class HandleBackend:
    """Runs jobs on the model deployments through their handles: the typed job goes as it is, the typed
    result comes back as it is."""

    def __init__(
        self,
        handles: Mapping[str, DeploymentHandle[Any]],
        catalog: Catalog,
        timeout_floor_s: float = 300.0,
        timeout_per_char_s: float = 0.2,
    ) -> None:
        self._handles = dict(handles)
        self._catalog = catalog
        self._floor = timeout_floor_s
        self._per_char = timeout_per_char_s

    def _handle(self, model: str) -> DeploymentHandle[Any]:
        return self._handles[model]

    async def synthesize(self, job: SpeechJob) -> SpeechResult:
        timeout = self._floor + self._per_char * job.chars
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            try:
                res = await asyncio.wait_for(self._handle(job.model).synthesize.remote(job), timeout=timeout)
            except RayActorError as first:
                # the replica died under the request (killed, node lost): synthesis has no side effects,
                # so it is sent once more, to whichever replica the router picks now
                _log.warning(
                    "model %s replica died during request %s (%s); retrying once",
                    job.binding.model,
                    job.request_id,
                    type(first).__name__,
                )
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    raise TimeoutError from first
                res = await asyncio.wait_for(self._handle(job.model).synthesize.remote(job), timeout=left)
        except RayActorError as exc:
            raise BackendOverloadedError(
                f"model {job.binding.model} lost a replica while answering and is recovering; retry shortly",
                retry_after_s=5,
            ) from exc
        except BackPressureError as exc:
            raise BackendOverloadedError(
                f"model {job.binding.model} is saturated (its request queue is full); retry shortly"
            ) from exc
        except TimeoutError as exc:
            raise BackendTimeoutError(
                f"model {job.binding.model} did not answer within {timeout:.0f} s"
            ) from exc
        if not isinstance(res, SpeechResult):
            raise TypeError(f"model {job.model} answered {type(res).__name__}, not a SpeechResult")
        return res

    async def stream(self, job: SpeechJob) -> AsyncIterator[bytes]:
        gen = cast(
            DeploymentResponseGenerator[bytes],
            self._handle(job.model).options(stream=True).stream.remote(job),
        )
        async for piece in gen:
            yield piece

    async def models(self) -> list[ModelInfo]:
        names = list(self._handles)
        infos = await asyncio.gather(*(self._handles[n].info.remote() for n in names))
        by_model: dict[str, list[str]] = {}
        for b in self._catalog.bindings:
            by_model.setdefault(b.model, []).append(b.avatar.name)
        return [ModelInfo(**info, avatars=by_model.get(n, [])) for n, info in zip(names, infos, strict=True)]

    async def health(self) -> dict[str, bool]:
        async def ping(name: str) -> bool:
            try:
                return bool(
                    await asyncio.wait_for(self._handles[name].ping.remote(), timeout=HEALTH_TIMEOUT_S)
                )
            except Exception:
                return False

        names = list(self._handles)
        results = await asyncio.gather(*(ping(n) for n in names))
        return dict(zip(names, results, strict=True))


@serve.ingress()
class Ingress:
    def __init__(
        self,
        app_args: AppArgs,
        handles: dict[str, DeploymentHandle[Any]],
        text_handles: dict[str, DeploymentHandle[Any]] | None = None,
        stt_handle: DeploymentHandle[Any] | None = None,
    ) -> None:
        """``app_args`` come validated from the app builder (they are not parsed again here)."""
        self.security = app_args.security
        configure_json_logging()
        configure_audit_stream(self.security.audit_log_file)
        # a bad keys file fails the replica: never serve open by accident
        self.authenticator = Authenticator.from_settings(self.security)
        models = [NamedModel(m.name, m.spec) for m in app_args.models]
        catalog = catalog_for(models)
        # requests wait here for their model, admitted by deadline (docs/capacity.md)
        self.admission_config = AdmissionConfig(
            default_deadline_s=app_args.admission_default_deadline_s,
            max_deadline_s=app_args.admission_max_deadline_s,
            max_waiting=app_args.admission_max_waiting,
        )
        self.admission = Admission(admission_slots(app_args), self.admission_config, ServeAdmissionMetrics())
        handle_backend = HandleBackend(
            handles, catalog, app_args.request_timeout_s, app_args.request_timeout_per_char_s
        )
        self.frontend = SpeechFrontend(
            catalog=catalog,
            backend=AdmittedSpeechBackend(handle_backend, self.admission),
            max_text_chars={m.name: m.spec.serving.max_text_chars for m in models},
            output_dir=parse_location(app_args.output_dir, field="outputDir"),
            default_bitrate_kbps=app_args.default_bitrate_kbps,
            text_limit_cap=self.security.max_text_chars,
        )
        self.metrics = ServeMetrics()
        self.text: TextFrontend | None = None
        if app_args.text_models:
            entries = {t.name: TextModelEntry.from_spec(t.name, t.spec) for t in app_args.text_models}
            self.text = TextFrontend(
                list(entries.values()),
                AdmittedTextBackend(
                    HandleTextBackend(text_handles or {}, entries, app_args.request_timeout_s),
                    self.admission,
                ),
            )
        self.text_metrics = ServeTextMetrics()
        self.transcription: TranscriptionFrontend | None = None
        if app_args.stt is not None and stt_handle is not None:
            handle = stt_handle

            async def transcribe(pcm: Any, options: dict[str, Any]) -> Transcript:
                return cast(Transcript, await handle.transcribe.remote(pcm, options))

            spec = app_args.stt.spec
            self.transcription = TranscriptionFrontend(
                spec.model_id(app_args.stt.name),
                AudioLimits(spec.serving.max_upload_bytes, spec.serving.max_duration_seconds),
                transcribe,
                languages=tuple(spec.languages),
                aliases=(app_args.stt.name,),
            )
        line = describe_security(self.security, self.authenticator)
        (_log.info if self.authenticator.required else _log.warning)(line)
        self.retention: RetentionSweeper | None = None
        if self.security.retention_seconds is not None and isinstance(self.frontend.output_dir, ObjectPrefix):
            _log.warning(
                "retention of stored speech in %s is the bucket's lifecycle rule", app_args.output_dir
            )
        elif self.security.retention_seconds is not None:
            # stored speech older than the TTL is deleted by periodic sweeps (idempotent across replicas)
            self.retention = RetentionSweeper(app_args.output_dir, self.security.retention_seconds)

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        """Serve calls this after ``__init__`` and whenever only ``user_config`` changes (a Lexicon edited):
        the new entries apply to the next request, on this live replica."""
        config = IngressUserConfig.model_validate(user_config or {})
        self.frontend.lexicons = dict(config.lexicons)
        for model, lex in config.lexicons.items():
            _log.info(
                "model %s: lexicons %s, %d entries, version %s",
                model,
                ", ".join(lex.names),
                len(lex.entries),
                lex.version,
            )

    def __serve_build_asgi_app__(self) -> Any:
        app = create_app(
            self.frontend,
            self.metrics,
            self.security,
            self.authenticator,
            self.text,
            self.text_metrics,
            self.transcription,
            self.admission_config,
        )
        # outermost: after a crowd, the heap its requests took goes back to the OS once nothing is in flight
        app.add_middleware(IdleMiddleware, trigger=IdleTrigger(release_serving_heap))
        return app
