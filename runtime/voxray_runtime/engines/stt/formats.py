"""A transcript in the OpenAI transcription API's response formats (pure).

``json``: ``{"text"}``; ``text``: the text; ``srt`` / ``vtt``: one cue per segment; ``verbose_json``:
task, language (its name), duration, text, and ``segments`` and/or ``words`` as the
``timestamp_granularities`` ask (segments when none is given, as OpenAI does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voxray_runtime.captions.cues import Cue
from voxray_runtime.captions.formats import to_srt, to_vtt
from voxray_runtime.engines.stt.errors import BadOptionError
from voxray_runtime.engines.stt.whisper import Transcript

RESPONSE_FORMATS = ("json", "text", "srt", "vtt", "verbose_json")
GRANULARITIES = ("word", "segment")
CONTENT_TYPES = {
    "json": "application/json",
    "verbose_json": "application/json",
    "text": "text/plain; charset=utf-8",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
}


def check_format(response_format: str, granularities: Sequence[str]) -> None:
    if response_format not in RESPONSE_FORMATS:
        raise BadOptionError(
            "response_format",
            f"response_format {response_format!r} unknown; use one of {', '.join(RESPONSE_FORMATS)}",
        )
    unknown = [g for g in granularities if g not in GRANULARITIES]
    if unknown:
        raise BadOptionError(
            "timestamp_granularities", f"timestamp_granularities {unknown} unknown; use word and/or segment"
        )
    # ["segment"] is the document's default, which a client may send with any format: only other
    # granularities need verbose_json
    if any(g != "segment" for g in granularities) and response_format != "verbose_json":
        raise BadOptionError(
            "timestamp_granularities", "timestamp_granularities needs response_format verbose_json"
        )


def wants_words(response_format: str, granularities: Sequence[str]) -> bool:
    return response_format == "verbose_json" and "word" in granularities


def verbose(t: Transcript, granularities: Sequence[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task": "transcribe",
        "language": t.language_name,
        "duration": round(t.duration, 3),
        "text": t.text,
    }
    if not granularities or "segment" in granularities:
        body["segments"] = [
            {
                "id": s.id,
                "seek": s.seek,
                "start": round(s.start, 3),
                "end": round(s.end, 3),
                "text": s.text,
                "tokens": s.tokens,
                "temperature": s.temperature,
                "avg_logprob": s.avg_logprob,
                "compression_ratio": s.compression_ratio,
                "no_speech_prob": s.no_speech_prob,
            }
            for s in t.segments
        ]
    if "word" in granularities:
        body["words"] = [
            {"word": w.word.strip(), "start": round(w.start, 3), "end": round(w.end, 3)} for w in t.words
        ]
    return body


def render(t: Transcript, response_format: str, granularities: Sequence[str] = ()) -> str | dict[str, Any]:
    """The body for ``response_format``: a dict for the JSON formats, text for the others."""
    check_format(response_format, granularities)
    if response_format == "json":
        return {"text": t.text}
    if response_format == "verbose_json":
        return verbose(t, granularities)
    if response_format == "text":
        return t.text + "\n"
    cues = [
        Cue(s.start, max(s.end, s.start + 0.001), (s.text.strip(),)) for s in t.segments if s.text.strip()
    ]
    return to_srt(cues, t.language) if response_format == "srt" else to_vtt(cues, t.language)
