"""Where weights live, and the fetch script's no-op path (the download itself needs npm and network)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voxray_runtime.engines import WeightsNotFoundError
from voxray_runtime.engines.weights import (
    cache_dir,
    describe,
    kokoro_voices_dir,
    local_weights_path,
    require_file,
    weights_dir,
)
from voxray_runtime.spec.voicemodel import WeightsSpec

FETCH = Path(__file__).resolve().parents[2] / "scripts" / "fetch_weights.sh"


def test_default_weights_dir_is_under_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOXRAY_WEIGHTS_DIR", raising=False)
    monkeypatch.delenv("VOXRAY_KOKORO_VOICES", raising=False)
    assert weights_dir() == Path(sys.prefix) / "share" / "voxray" / "weights"
    assert kokoro_voices_dir() == weights_dir() / "kokoro-js" / "voices"


def test_environment_overrides(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert weights_dir() == isolated_env / "weights"
    assert kokoro_voices_dir() == isolated_env / "weights" / "kokoro-js" / "voices"
    monkeypatch.setenv("VOXRAY_KOKORO_VOICES", str(isolated_env / "voices"))
    assert kokoro_voices_dir() == isolated_env / "voices"


def test_cache_dir_is_created_on_use(isolated_env: Path) -> None:
    assert not (isolated_env / "cache").exists()
    assert cache_dir() == isolated_env / "cache"
    assert (isolated_env / "cache").is_dir()


def test_missing_file_message_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(WeightsNotFoundError, match=r"make install.*fetch_weights\.sh") as err:
        require_file(tmp_path / "af_heart.bin", "Kokoro voice style file")
    assert str(tmp_path / "af_heart.bin") in str(err.value)


def test_pvc_path_is_inside_the_mount(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (isolated_env / "pvc" / "voices" / "alan").mkdir(parents=True)
    monkeypatch.setenv("VOXRAY_PVC_MOUNT", str(isolated_env / "pvc"))
    spec = WeightsSpec(source="pvc", claim_name="tts-models", path="/voices/alan")
    assert local_weights_path(spec) == isolated_env / "pvc" / "voices" / "alan"
    assert describe(spec) == "pvc:tts-models/voices/alan"


def test_missing_pvc_path_names_the_claim(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXRAY_PVC_MOUNT", str(isolated_env))
    with pytest.raises(WeightsNotFoundError, match="PVC tts-models"):
        local_weights_path(WeightsSpec(source="pvc", claim_name="tts-models", path="nope"))


def test_describe_names_hub_revision() -> None:
    assert (
        describe(WeightsSpec(source="huggingface", repo="org/model", revision="abc123")) == "org/model@abc123"
    )


def test_fetch_script_is_a_quick_no_op_when_voices_are_present(tmp_path: Path) -> None:
    for i in range(54):
        (tmp_path / f"af_voice{i}.bin").write_bytes(bytes(522_240))
    done = subprocess.run(
        ["bash", str(FETCH), str(tmp_path)], capture_output=True, text=True, timeout=10, check=True
    )
    assert "already" in done.stdout


def test_fetch_script_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(FETCH)], check=True, timeout=10)
