"""Voice blends: a brand voice as weighted engine voices (Kokoro styles), and the inline syntax for one.

Inline, as Kokoro-FastAPI users write it: ``"bf_emma(2)+bf_isabella(1)"`` (a weight in brackets, 1 when
left out; weights > 0, normalised to sum 1). As an engine speaker, a blend is written in the canonical form
:func:`speaker_of` gives (weights normalised, voices sorted), so the same blend is one speaker however it
was written. Pure; table-tested in tests/unit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from voxray_runtime.voices.avatars import VoiceError

#: the voice style files the packaged Kokoro weights carry (npm kokoro-js 1.2.1): what a blend may use
#: when ``weights.source`` is packaged (other sources are checked when the engine loads), and what an
#: inline blend may name (Kokoro-82M v1.0's English, Spanish and Hindi voices)
KOKORO_PACKAGED_VOICES: frozenset[str] = frozenset(
    {
        *(
            f"af_{n}"
            for n in [
                "alloy",
                "aoede",
                "bella",
                "heart",
                "jessica",
                "kore",
                "nicole",
                "nova",
                "river",
                "sarah",
                "sky",
            ]
        ),
        *(f"am_{n}" for n in ["adam", "echo", "eric", "fenrir", "liam", "michael", "onyx", "puck", "santa"]),
        *(f"bf_{n}" for n in ["alice", "emma", "isabella", "lily"]),
        *(f"bm_{n}" for n in ["daniel", "fable", "george", "lewis"]),
        "ef_dora",
        "em_alex",
        "em_santa",
        "hf_alpha",
        "hf_beta",
        "hm_omega",
        "hm_psi",
    }
)
MAX_VOICES = 8
_VOICE = r"[a-z][a-z0-9_]{0,63}"
_TERM = re.compile(rf"^\s*({_VOICE})\s*(?:\(\s*([0-9]+(?:\.[0-9]+)?)\s*\))?\s*$")


def is_blend(voice: str) -> bool:
    """Whether a voice name is written as a blend (more than one voice, or a weight)."""
    return "+" in voice or "(" in voice


def parse_blend(text: str, *, field: str = "voice") -> dict[str, float]:
    """``"bf_emma(2)+bf_isabella(1)"`` -> ``{"bf_emma": 0.667, "bf_isabella": 0.333}`` (exact fractions)."""
    if len(text) > 400:
        raise VoiceError("a voice blend is at most 400 characters", field=field)
    raw: dict[str, float] = {}
    for term in text.split("+"):
        m = _TERM.match(term)
        if m is None:
            raise VoiceError(
                f"voice blend {text!r}: {term.strip()!r} is not 'voice' or 'voice(weight)' "
                "(e.g. bf_emma(2)+bf_isabella(1))",
                field=field,
            )
        voice, weight = m.group(1), float(m.group(2) or 1)
        if weight <= 0:
            raise VoiceError(f"voice blend {text!r}: the weight of {voice} must be > 0", field=field)
        if voice in raw:
            raise VoiceError(f"voice blend {text!r}: {voice} is named twice", field=field)
        raw[voice] = weight
    return normalise(raw, field=field)


def normalise(weights: Mapping[str, float], *, field: str = "blend") -> dict[str, float]:
    """Weights > 0, at most :data:`MAX_VOICES` voices, scaled to sum 1 (in the order given)."""
    if not weights:
        raise VoiceError("a blend needs at least one voice", field=field)
    if len(weights) > MAX_VOICES:
        raise VoiceError(f"a blend takes at most {MAX_VOICES} voices, not {len(weights)}", field=field)
    bad = [v for v, w in weights.items() if not w > 0]
    if bad:
        raise VoiceError(f"blend weights must be > 0: {', '.join(bad)}", field=field)
    total = sum(weights.values())
    return {v: w / total for v, w in weights.items()}


def speaker_of(weights: Mapping[str, float]) -> str:
    """The canonical blend speaker: voices sorted, weights normalised to 4 decimals (``a(0.7)+b(0.3)``);
    one voice at full weight is its own name."""
    norm = normalise(weights)
    if len(norm) == 1:
        return next(iter(norm))
    return "+".join(f"{v}({norm[v]:.4f})" for v in sorted(norm))
