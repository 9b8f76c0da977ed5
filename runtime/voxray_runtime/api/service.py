"""What the routes need, independent of Ray: request -> validated job -> backend -> audio.

Everything that can be checked before an engine runs is checked here (voice, language, length,
format, speakable text), so bad input never reaches a model replica.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from voxray_runtime.api.errors import Problem, bad_request
from voxray_runtime.api.publishing import loudness_reading, write_captions
from voxray_runtime.api.schemas import (
    ModelInfo,
    NativeSpeechRequest,
    OpenAISpeechRequest,
    StoredSpeech,
    Timings,
    VoiceInfo,
    VoiceListing,
)
from voxray_runtime.audio.encode import CONTENT_TYPES, MP3_BITRATES
from voxray_runtime.spec.lexicon import ResolvedLexicon, check_unique
from voxray_runtime.speech.job import EmptyTextError, SpeechJob, SpeechResult
from voxray_runtime.speech.markup import job_for_segments
from voxray_runtime.speech.publish import Publish
from voxray_runtime.storage.location import Location
from voxray_runtime.text import TextError
from voxray_runtime.text.pronounce import Entry, apply_pronunciations, entries_used
from voxray_runtime.text.segments import Segment, TextSegment, plain_text
from voxray_runtime.text.ssml import SsmlError, parse_ssml
from voxray_runtime.voices import OPENAI_VOICE_ALIASES, Catalog, VoiceBinding, VoiceError, resolve_avatar
from voxray_runtime.voices.avatars import Avatar
from voxray_runtime.voices.blend import is_blend

_log = logging.getLogger("voxray.api")

#: OpenAI model names, served by catalog resolution across all models
OPENAI_MODEL_NAMES = frozenset(
    {"tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15", "voxray"}
)


class BackendOverloadedError(RuntimeError):
    """Model replicas are saturated (their queue is full): answer 503 with Retry-After."""

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class BackendTimeoutError(RuntimeError):
    """A model replica did not answer in time."""


class Backend(Protocol):
    """Runs jobs on model replicas (Serve handles) or engines in process (benchmarks)."""

    async def synthesize(self, job: SpeechJob) -> SpeechResult: ...

    def stream(self, job: SpeechJob) -> AsyncIterator[bytes]: ...

    async def models(self) -> list[ModelInfo]: ...

    async def health(self) -> dict[str, bool]: ...


def voice_info(b: VoiceBinding) -> VoiceInfo:
    return VoiceInfo.model_validate({**b.describe(), "custom": b.avatar.is_custom})


def voice_headers(b: VoiceBinding) -> dict[str, str]:
    """Response headers that say which voice was actually used, and any declared fallback."""
    h = {
        "X-Voxray-Avatar": b.avatar.name,
        "X-Voxray-Model": b.model,
        "X-Voxray-Engine": b.engine,
        "X-Voxray-Speaker": b.speaker,
        "X-Voxray-Fallback": "true" if b.is_fallback else "false",
    }
    if b.fallback:
        # header values must be latin-1: the reasons are plain ASCII by construction
        h["X-Voxray-Fallback-Reason"] = b.fallback.encode("ascii", "replace").decode()
    return h


@dataclass
class SpeechFrontend:
    catalog: Catalog
    backend: Backend
    max_text_chars: Mapping[str, int]
    #: a local directory or an object store prefix (storage.location)
    output_dir: Location
    default_bitrate_kbps: int = 64
    #: a cap over every model's own ``maxTextChars`` (the security settings' ``maxTextChars``)
    text_limit_cap: int | None = None
    #: each model's lexicons (merged), set by the ingress's ``reconfigure``; a request's own entries win
    lexicons: dict[str, ResolvedLexicon] = field(default_factory=dict)

    # ---- voice resolution -------------------------------------------------------------------------
    def _model(self, model: str | None) -> str | None:
        if model is None or model in OPENAI_MODEL_NAMES:
            return None
        if model not in self.catalog.models:
            served = OPENAI_MODEL_NAMES | set(self.catalog.models)
            raise Problem(
                400,
                "unknown-model",
                "Unknown model",
                f"unknown model {model!r}; served: {', '.join(sorted(served))}",
                field="model",
            )
        return model

    def _resolve(
        self, resolve: Any, model: str | None, field_name: str, allowed: frozenset[str] | None
    ) -> VoiceBinding:
        """The binding for the request. When the caller may use only some models and did not pin one,
        the best model it may use is chosen (the caller checks the result against its permissions)."""
        try:
            avatar = resolve()
            pinned = self._model(model)
            binding = self.catalog.resolve(avatar, pinned)
            if pinned is None and allowed is not None and binding.model not in allowed:
                for name in self.catalog.models:
                    if name in allowed:
                        try:
                            return self.catalog.resolve(avatar, name)
                        except VoiceError:
                            continue
            return binding
        except VoiceError as exc:
            raise Problem(
                400, "unknown-voice", "Unknown voice", str(exc), field=exc.field or field_name
            ) from exc

    def openai_binding(self, req: OpenAISpeechRequest, allowed: frozenset[str] | None = None) -> VoiceBinding:
        name = OPENAI_VOICE_ALIASES.get(req.voice.lower(), req.voice)
        if is_blend(name):  # "bf_emma(2)+bf_isabella(1)", as Kokoro-FastAPI takes it
            try:
                return self.catalog.blend(name, self._model(req.model))
            except VoiceError as exc:
                raise Problem(400, "unknown-voice", "Unknown voice", str(exc), field=exc.field) from exc
        return self._resolve(lambda: self.catalog.find(name), req.model, "voice", allowed)

    def native_binding(self, req: NativeSpeechRequest, allowed: frozenset[str] | None = None) -> VoiceBinding:
        return self._resolve(lambda: self._native_avatar(req), req.model, "avatar", allowed)

    def _native_avatar(self, req: NativeSpeechRequest) -> Avatar:
        """A custom avatar by name, or a built-in one from the avatar or language, dialect and gender."""
        found = self.catalog.find(req.avatar) if req.avatar else None
        if found is None or not found.is_custom:
            return resolve_avatar(
                language=req.language, dialect=req.dialect, gender=req.gender, avatar=req.avatar
            )
        if req.language and req.language.lower() != found.language:
            raise VoiceError(
                f"avatar {found.name} speaks {found.language}, not {req.language}", field="language"
            )
        if req.gender and req.gender != found.gender:
            raise VoiceError(f"avatar {found.name} is {found.gender}, not {req.gender}", field="gender")
        return found

    def text_limit(self, model: str) -> int:
        limit = self.max_text_chars.get(model, 5000)
        return min(limit, self.text_limit_cap) if self.text_limit_cap is not None else limit

    # ---- job building -----------------------------------------------------------------------------
    def job(
        self,
        binding: VoiceBinding,
        text: str,
        speed: float,
        fmt: str,
        bitrate: int | None,
        text_field: str,
        *,
        text_type: str = "text",
        pronunciations: Sequence[Entry] = (),
        publish: Publish | None = None,
    ) -> SpeechJob:
        limit = self.text_limit(binding.model)
        if not text.strip():
            raise Problem(400, "empty-text", "Empty text", "the text is empty", field=text_field)
        if len(text) > limit:
            raise Problem(
                413,
                "text-too-long",
                "Text too long",
                f"the text has {len(text)} characters; the limit is {limit} (split it, or use a SpeechBatch)",
                field=text_field,
            )
        if "\x00" in text:
            raise bad_request("the text contains NUL characters", text_field)
        if fmt == "aac":
            raise Problem(
                400,
                "unsupported-format",
                "Unsupported format",
                "response_format aac is not supported; use mp3, opus, flac, wav or pcm",
                field="response_format",
            )
        rate = bitrate or self.default_bitrate_kbps
        if fmt == "mp3" and rate not in MP3_BITRATES:
            raise bad_request(
                f"bitrate {rate} kbps is not an MP3 bitrate; use one of {sorted(MP3_BITRATES)}",
                "bitrate_kbps",
            )
        try:  # what the request schema cannot say (one entry per text and language) is a 400, as SSML's
            check_unique(pronunciations, where="pronunciations")
        except ValueError as exc:
            raise bad_request(str(exc), "pronunciations") from exc
        entries = [*self._lexicon_entries(binding, text, text_type), *pronunciations]
        try:
            if text_type == "ssml" or entries:
                job = self._marked_job(binding, text, speed, fmt, rate, text_type, entries)
                if publish is not None and text_type == "ssml":  # captions show the text, not the markup
                    said = plain_text(parse_ssml(text, binding.avatar.language, binding.avatar.dialect))
                    publish = replace(publish, text=said)
                return replace(job, publish=publish)
            return SpeechJob.for_text(
                binding, text, speed=speed, format=fmt, bitrate_kbps=rate, publish=publish
            )
        except SsmlError as exc:
            raise Problem(400, "invalid-ssml", "Invalid SSML", str(exc), field=text_field) from exc
        except (EmptyTextError, TextError, VoiceError) as exc:
            raise Problem(400, "unspeakable-text", "Nothing to speak", str(exc), field=text_field) from exc

    def _lexicon_entries(self, binding: VoiceBinding, text: str, text_type: str) -> Sequence[Entry]:
        """The model's lexicon entries for this text: all of them for SSML, else those its words use (a text
        that uses none takes the plain path, as without a lexicon)."""
        lexicon = self.lexicons.get(binding.model)
        if lexicon is None or not lexicon.entries:
            return ()
        if text_type == "ssml":
            return lexicon.entries
        return entries_used(text, binding.avatar.language, lexicon.entries)

    @staticmethod
    def _marked_job(
        binding: VoiceBinding,
        text: str,
        speed: float,
        fmt: str,
        rate: int,
        text_type: str,
        pronunciations: Sequence[Entry],
    ) -> SpeechJob:
        """SSML parsed (safely, before anything else) and pronunciation entries applied: segments -> job."""
        language, dialect = binding.avatar.language, binding.avatar.dialect
        segments: list[Segment] = (
            parse_ssml(text, language, dialect)
            if text_type == "ssml"
            else [TextSegment(text, language, dialect)]
        )
        segments = apply_pronunciations(segments, pronunciations)
        return job_for_segments(
            binding, segments, speed=speed, format=fmt, bitrate_kbps=rate, chars=len(text)
        )

    # ---- listings ----------------------------------------------------------------------------------
    def voices(self, allowed: frozenset[str] | None = None) -> list[VoiceListing]:
        """Every avatar served and what it resolves to; with ``allowed``, as a caller limited to those
        models sees it (resolution among them, alternatives among them)."""
        catalog = (
            self.catalog
            if allowed is None
            else Catalog([b for b in self.catalog.bindings if b.model in allowed])
        )
        aliases: dict[str, list[str]] = {}
        for alias, avatar in OPENAI_VOICE_ALIASES.items():
            aliases.setdefault(avatar, []).append(alias)
        out = []
        for chosen in catalog.table():
            others = [
                voice_info(b)
                for b in catalog.bindings
                if b.avatar == chosen.avatar and b.model != chosen.model
            ]
            out.append(
                VoiceListing(
                    **voice_info(chosen).model_dump(),
                    alternatives=others,
                    openai_aliases=sorted(aliases.get(chosen.avatar.name, [])),
                )
            )
        return out

    # ---- store=true --------------------------------------------------------------------------------
    def store(self, job: SpeechJob, out: SpeechResult, name: str | None, started: float) -> StoredSpeech:
        from voxray_runtime.storage.paths import SymlinkEscapeError, UnsafePathError
        from voxray_runtime.storage.store import store_output

        day = datetime.now(UTC).strftime("%Y-%m-%d")
        stem = name or f"{job.binding.avatar.name}-{job.request_id[:12]}"
        rel = Path("speech") / day / f"{stem}.{job.format}"
        try:
            path = store_output(self.output_dir, rel.as_posix(), out.audio)
        except SymlinkEscapeError as exc:  # the volume is at fault, not the name
            _log.error("store refused: %s", exc)
            raise Problem(
                507,
                "storage-failed",
                "Storage failed",
                "the audio output refused the write (a link in it leads outside); the operator must fix it",
            ) from exc
        except UnsafePathError as exc:
            raise bad_request(f"cannot store under this name: {exc}", "name") from exc
        except OSError as exc:
            raise Problem(
                507, "storage-failed", "Storage failed", f"could not write {rel} to the audio output: {exc}"
            ) from exc
        captions = write_captions(self.output_dir, rel, out.captions)
        total = time.perf_counter() - started
        return StoredSpeech(
            path=str(path),
            relative_path=str(rel),
            bytes=len(out.audio),
            sha256=hashlib.sha256(out.audio).hexdigest(),
            duration_s=round(out.duration_s, 3),
            format=job.format,
            bitrate_kbps=job.bitrate_kbps if job.format == "mp3" else None,
            sample_rate=out.sample_rate,
            chunks=out.chunks,
            voice=voice_info(job.binding),
            timings=Timings(
                synth_s=round(out.synth_s, 4),
                encode_s=round(out.encode_s, 4),
                total_s=round(total, 4),
                rtf=round(out.rtf, 4),
            ),
            captions=captions,
            loudness=loudness_reading(out.loudness),
        )


def content_type(fmt: str) -> str:
    return CONTENT_TYPES.get(fmt, "application/octet-stream")
