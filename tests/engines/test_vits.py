"""transformers VITS on a tiny random-init model: the torch plumbing (batching, trimming, quantization,
determinism, loading errors), not speech quality. No registry ships MMS-TTS weights (docs WEIGHTS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from voxray_runtime.engines import (
    Engine,
    EngineError,
    SynthesisRequest,
    UnsupportedLanguageError,
    WeightsNotFoundError,
    load_engine,
)
from voxray_runtime.engines.vits import RANDOM_TINY, TINY_CONFIG, TINY_VOCAB, VitsEngine, tiny_tokenizer
from voxray_runtime.spec.voicemodel import VoiceModelSpec

TEXTS = ["hi", "hello there my friend", "a much longer sentence to speak out loud for the batch"]


def vits_spec(**fields: object) -> VoiceModelSpec:
    doc = {"engine": "vits", "language": "ur", "voices": [{"avatar": "female_ur"}], **fields}
    return VoiceModelSpec.model_validate(doc)


@pytest.fixture(scope="module")
def vits() -> Engine:
    return load_engine(vits_spec(weights={"source": "path", "path": RANDOM_TINY}), threads=2)


def batch(texts: list[str], speed: float = 1.0) -> list[SynthesisRequest]:
    return [SynthesisRequest(t, speaker="", language="ur", speed=speed) for t in texts]


def test_declares_what_it_speaks(vits: Engine) -> None:
    info = vits.info
    assert isinstance(vits, Engine)
    assert (info.name, info.sample_rate, info.batched, info.device) == ("vits", 16_000, True, "cpu")
    assert info.languages == {"ur"}
    assert info.weights == RANDOM_TINY


def test_batch_returns_one_trimmed_waveform_per_input(vits: Engine) -> None:
    out = vits.synthesize_batch(batch(TEXTS))
    assert len(out) == 3
    assert all(a.dtype == np.float32 and a.ndim == 1 and np.all(np.isfinite(a)) for a in out)
    lengths = [len(a) for a in out]
    assert lengths[0] < lengths[1] < lengths[2], lengths
    # trimmed to each input's own length: the same as synthesizing it alone (durations are deterministic)
    assert lengths == [len(vits.synthesize(t, speaker="", language="ur")) for t in TEXTS]


def test_same_batch_same_audio(vits: Engine) -> None:
    first, second = vits.synthesize_batch(batch(TEXTS[:2])), vits.synthesize_batch(batch(TEXTS[:2]))
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_speed_groups_and_shortens(vits: Engine) -> None:
    mixed = [*batch([TEXTS[2]]), *batch([TEXTS[2]], speed=2.0)]
    normal, fast = vits.synthesize_batch(mixed)
    assert len(fast) < 0.7 * len(normal)


def test_text_outside_the_vocabulary_gives_no_audio(vits: Engine) -> None:
    out = vits.synthesize_batch(batch(["...", "ok"]))
    assert len(out[0]) == 0
    assert len(out[1]) > 0


def test_unsupported_language(vits: Engine) -> None:
    with pytest.raises(UnsupportedLanguageError, match="'ar'"):
        vits.synthesize("salam", speaker="", language="ar")


def test_int8_quantization_runs() -> None:
    engine = load_engine(vits_spec(weights={"source": "path", "path": RANDOM_TINY}, quantization="int8"))
    assert engine.info.quantization == "int8"
    out = engine.synthesize_batch(batch(TEXTS))
    assert all(np.all(np.isfinite(a)) and len(a) > 0 for a in out)


def test_bf16_runs_on_cpu() -> None:
    engine = VitsEngine.random_init(language="ur", quantization="bf16")
    (audio,) = engine.synthesize_batch(batch([TEXTS[1]]))
    assert audio.dtype == np.float32
    assert np.all(np.isfinite(audio))
    assert len(audio) > 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU refusal")
def test_fp16_needs_cuda() -> None:
    with pytest.raises(EngineError, match="fp16 needs a CUDA device"):
        VitsEngine.random_init(language="ur", quantization="fp16")


def test_saved_checkpoint_folder_loads(tmp_path: Path) -> None:
    """The path/pvc route: a save_pretrained folder, loaded with local_files_only."""
    from transformers import VitsConfig, VitsModel

    config = VitsConfig(**{**TINY_CONFIG, "vocab_size": len(TINY_VOCAB)})
    VitsModel(config).save_pretrained(tmp_path)
    tiny_tokenizer("ur").save_pretrained(tmp_path)
    engine = load_engine(vits_spec(weights={"source": "path", "path": str(tmp_path)}))
    assert engine.info.weights == str(tmp_path)
    assert len(engine.synthesize("salaam", speaker="", language="ur")) > 0


def test_missing_weights_path_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "mms-tts-urd"
    with pytest.raises(WeightsNotFoundError, match=str(missing)):
        load_engine(vits_spec(weights={"source": "path", "path": str(missing)}))


def test_folder_without_a_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(WeightsNotFoundError, match=r"missing config\.json, vocab\.json, model\.safetensors"):
        load_engine(vits_spec(weights={"source": "path", "path": str(tmp_path)}))


def test_no_packaged_weights() -> None:
    with pytest.raises(WeightsNotFoundError, match="no VITS"):
        load_engine(vits_spec())


def test_hub_source_unreachable_is_a_clear_error(missing_hub_repo: str) -> None:
    with pytest.raises(WeightsNotFoundError, match=missing_hub_repo):
        load_engine(vits_spec(weights={"source": "huggingface", "repo": missing_hub_repo}))


def test_language_required() -> None:
    spec = VoiceModelSpec.model_validate(
        {
            "engine": "vits",
            "voices": [{"avatar": "female_ur"}],
            "weights": {"source": "path", "path": RANDOM_TINY},
        }
    )
    with pytest.raises(EngineError, match=r"spec\.language"):
        load_engine(spec)


def test_module_imports_without_torch() -> None:
    """Replicas without the torch extra import the engines package and get a clear error for vits only."""
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
        "from voxray_runtime.engines import EngineError, load_engine\n"
        "import voxray_runtime.engines.vits\n"
        "from voxray_runtime.spec.voicemodel import VoiceModelSpec\n"
        "spec = VoiceModelSpec.model_validate({'engine': 'vits', 'language': 'ur',"
        " 'voices': [{'avatar': 'female_ur'}], 'weights': {'source': 'path', 'path': 'random:tiny'}})\n"
        "try:\n    load_engine(spec)\nexcept EngineError as e:\n    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "pip install 'voxray[torch]'" in done.stdout
