"""Loudness of all 18 avatars after normalisation, read by a second implementation (ffmpeg's ebur128
filter): within +-1 LU of the target and under the true-peak ceiling; captions of each file read back."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
import srt

from voxray_runtime.audio.loudness import LoudnessTarget
from voxray_runtime.engines.base import Engine
from voxray_runtime.engines.registry import load_engine
from voxray_runtime.models import catalog_for, default_models
from voxray_runtime.speech.job import SpeechJob
from voxray_runtime.speech.publish import Publish, publish, speak_timed
from voxray_runtime.voices.avatars import ALL_AVATARS
from voxray_runtime.voices.catalog import Catalog

pytestmark = pytest.mark.slow

TEXTS = {
    "en": "Breakfast is served from 7 to 10 am, and the pool opens at noon.",
    "es": "El desayuno se sirve de 7 a 10 y la piscina abre a mediodía.",
    "hi": "नाश्ता सुबह 7 से 10 बजे तक मिलता है और पूल दोपहर में खुलता है।",
    "ur": "ناشتہ صبح 7 سے 10 بجے تک ملتا ہے اور پول دوپہر کو کھلتا ہے۔",
    "ar": "يقدم الإفطار من الساعة 7 حتى 10 صباحاً، ويفتح المسبح عند الظهر.",
}


def ebur128(pcm: np.ndarray, rate: int) -> tuple[float, float]:
    done = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        input=np.asarray(pcm, np.float32).tobytes(), capture_output=True, check=True,
    )  # fmt: skip
    summary = done.stderr.decode().rsplit("Summary:", 1)[1]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)
    assert integrated, summary
    assert peak, summary
    return float(integrated.group(1)), float(peak.group(1))


@pytest.fixture(scope="module")
def setup() -> tuple[Catalog, dict[str, Engine]]:
    models = default_models()
    return catalog_for(models), {m.name: load_engine(m.spec, threads=2) for m in models}


@pytest.mark.parametrize("target", [LoudnessTarget(-16.0, -1.0), LoudnessTarget(-23.0, -2.0)])
def test_every_avatar_lands_on_the_target(
    setup: tuple[Catalog, dict[str, Engine]], target: LoudnessTarget
) -> None:
    catalog, engines = setup
    readings = {}
    for avatar in ALL_AVATARS:
        binding = catalog.resolve(avatar)
        engine = engines[binding.model]
        text = TEXTS[avatar.language]
        spec = Publish(text, avatar.language, avatar.dialect, loudness=target, captions=("srt",))
        job = SpeechJob.for_text(binding, text, publish=spec)
        parts = [speak_timed(engine, r) for r in job.requests()]
        done = publish(parts, engine.info.sample_rate, job.speed, spec)
        lufs, peak = ebur128(done.pcm, engine.info.sample_rate)
        readings[avatar.name] = (lufs, peak)
        assert abs(lufs - target.integrated_lufs) <= 1.0, (avatar.name, lufs)
        assert peak <= target.true_peak_dbtp + 0.05, (avatar.name, peak)  # ffmpeg prints one decimal
        cues = list(srt.parse(done.captions["srt"]))
        assert cues
        assert cues[-1].end.total_seconds() <= done.pcm.size / engine.info.sample_rate + 1.0
    spread = max(v[0] for v in readings.values()) - min(v[0] for v in readings.values())
    print(f"target {target.integrated_lufs}: spread {spread:.1f} LU over {len(readings)} avatars")
    assert spread <= 1.0
