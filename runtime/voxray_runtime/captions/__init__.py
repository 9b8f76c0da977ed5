"""Captions from word timing: written words aligned to spoken ones, cues by timed-text style rules,
SRT and WebVTT with right-to-left lines marked. Pure: no I/O, no engine."""

from voxray_runtime.captions.cues import CaptionStyle, Cue, build_cues
from voxray_runtime.captions.formats import FORMATS, render, to_srt, to_vtt
from voxray_runtime.captions.words import TimedWord, align_written

__all__ = [
    "FORMATS",
    "CaptionStyle",
    "Cue",
    "TimedWord",
    "align_written",
    "build_cues",
    "captions_for",
    "render",
    "to_srt",
    "to_vtt",
]


def captions_for(
    text: str, spoken: list[TimedWord], language: str, dialect: str | None = None
) -> tuple[list[TimedWord], list[Cue]]:
    """The written words of ``text`` timed by ``spoken`` and the caption cues built from them."""
    words = align_written(text, spoken, language, dialect)
    return words, build_cues(words, language)
