"""SRT (SubRip) and WebVTT writers (pure: cues in, text out).

SRT: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, a blank line after each; UTF-8, no BOM.
WebVTT (W3C): ``WEBVTT`` header, ``HH:MM:SS.mmm`` times, and the cue text escaped (``&``, ``<``, ``>``)
so that a written "<3" or "R&B" is shown, not parsed as markup; "-->" never appears in a cue's text.
Right-to-left languages get their lines marked (:mod:`voxray_runtime.captions.bidi`).
"""

from __future__ import annotations

from collections.abc import Sequence

from voxray_runtime.captions.bidi import display_lines
from voxray_runtime.captions.cues import Cue

CONTENT_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt"}
FORMATS = tuple(CONTENT_TYPES)


def timestamp(seconds: float, separator: str) -> str:
    """``HH:MM:SS<sep>mmm`` for a time in seconds (rounded to the millisecond, never negative)."""
    ms = max(0, round(seconds * 1000))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _clean(line: str) -> str:
    """A line never holds a line break or an arrow (either would end or corrupt the cue)."""
    return " ".join(line.replace("-->", "→").split())


def _times(cue: Cue, separator: str) -> tuple[str, str]:
    start = timestamp(cue.start, separator)
    end = timestamp(max(cue.end, cue.start + 0.001), separator)
    return start, end


def to_srt(cues: Sequence[Cue], language: str) -> str:
    blocks = []
    for number, cue in enumerate(cues, start=1):
        start, end = _times(cue, ",")
        lines = "\n".join(_clean(line) for line in display_lines(cue.lines, language))
        blocks.append(f"{number}\n{start} --> {end}\n{lines}\n")
    return "\n".join(blocks)


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue], language: str) -> str:
    blocks = [f"WEBVTT\nLanguage: {language}\n"]
    for cue in cues:
        start, end = _times(cue, ".")
        lines = "\n".join(_vtt_escape(_clean(line)) for line in display_lines(cue.lines, language))
        blocks.append(f"{start} --> {end}\n{lines}\n")
    return "\n".join(blocks)


def render(cues: Sequence[Cue], language: str, fmt: str) -> str:
    if fmt == "srt":
        return to_srt(cues, language)
    if fmt == "vtt":
        return to_vtt(cues, language)
    raise ValueError(f"unknown caption format {fmt!r}; use one of {', '.join(FORMATS)}")
