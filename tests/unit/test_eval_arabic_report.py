"""The evaluation report shows Arabic CER per avatar beside espeak-ng's, with the fallback reason (pure)."""

from __future__ import annotations

from voxray_runtime.evaluation.markdown import _fallback_lines


def test_arabic_cer_per_avatar_is_reported() -> None:
    gap = {
        "arabic_avatars": [
            {
                "avatar": "female_ar-EG",
                "model": "kokoro",
                "engine": "kokoro",
                "speaker": "hf_beta",
                "cer": 0.347,
                "espeak_cer": 1.062,
                "fallback_reason": "Hindi-accented Modern Standard Arabic, no dialect",
            }
        ]
    }
    text = "\n".join(_fallback_lines(gap))
    assert "**Arabic CER per avatar**" in text
    assert (
        "| female_ar-EG | kokoro | hf_beta | 0.35 | 1.06 | Hindi-accented Modern Standard Arabic, no dialect |"
        in text
    )
