"""``voxray render``: the objects the operator would create, or the operator's validation messages."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.operator.unit.support import EXAMPLES_DIR, REPO_ROOT
from voxray_operator.cli import EXIT_INVALID, main, register, run_render


def args(*files: Path | str, namespace: str | None = None, image: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(file=[str(f) for f in files], namespace=namespace, image=image)


def render(*files: Path | str, **kw: str | None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_render(args(*files, **kw), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_renders_a_voicemodel_as_a_rayservice() -> None:
    code, out, err = render(EXAMPLES_DIR / "voicemodel-kokoro.yaml", namespace="tts", image="reg/vx:9")
    assert code == 0, err
    objs = list(yaml.safe_load_all(out))
    assert [(o["kind"], o["metadata"]["name"], o["metadata"]["namespace"]) for o in objs] == [
        ("RayService", "kokoro", "tts")
    ]
    head = objs[0]["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert head["image"] == "reg/vx:9"
    assert "applications:" in objs[0]["spec"]["serveConfigV2"]


def test_renders_a_batch_on_a_voicemodel_cluster_in_stable_order() -> None:
    files = (EXAMPLES_DIR / "voicemodel-kokoro.yaml", EXAMPLES_DIR / "speechbatch-on-cluster.yaml")
    code, out, err = render(*files)
    assert code == 0, err
    kinds = [(o["kind"], o["metadata"]["name"]) for o in yaml.safe_load_all(out)]
    assert kinds == [
        ("RayService", "kokoro"),
        ("ConfigMap", "posts-on-kokoro-speechbatch"),
        ("RayJob", "posts-on-kokoro"),
    ]
    assert "kokoro-raycluster-xxxxx" in err  # says which value the operator fills in
    assert render(*files)[1] == out


def test_batch_without_its_voicemodel_file_exits_2() -> None:
    code, out, err = render(EXAMPLES_DIR / "speechbatch-on-cluster.yaml")
    assert code == EXIT_INVALID
    assert out == ""
    assert "spec.voiceModels.0: VoiceModel 'kokoro' was not found" in err
    assert "give its file with -f" in err


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "apiVersion: voxray.io/v1alpha1\nkind: VoiceModel\nmetadata: {name: m}\nspec:\n  engine: espeak\n"
            "  replicas: {min: 3, max: 2}\n",
            "VoiceModel/m: spec.replicas: replicas.min (3) must not exceed",
        ),
        (
            "apiVersion: voxray.io/v1alpha1\nkind: VoiceModel\nmetadata: {name: m}\nspec:\n  engine: espeak\n"
            "  voices: [{avatar: female_fr}]\n",
            "VoiceModel/m: spec.voices.0.avatar: unknown avatar",
        ),
        (
            "apiVersion: voxray.io/v1alpha1\nkind: SpeechBatch\nmetadata: {name: b}\nspec:\n  input: {}\n"
            "  variants: {all: true}\n",
            "SpeechBatch/b: spec.input: input needs exactly one of",
        ),
        (
            "apiVersion: voxray.io/v1\nkind: VoiceModel\nmetadata: {name: m}\nspec: {engine: espeak}\n",
            "apiVersion: apiVersion must be voxray.io/v1alpha1",
        ),
        ("kind: RayService\n", "kind: kind must be one of"),
        ("a: [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_input_exits_2_naming_the_field(tmp_path: Path, text: str, words: str) -> None:
    code, out, err = render(write(tmp_path, text))
    assert code == EXIT_INVALID
    assert out == ""
    assert words in err


def test_every_error_is_reported(tmp_path: Path) -> None:
    bad = (
        "apiVersion: voxray.io/v1alpha1\nkind: VoiceModel\nmetadata: {name: a}\nspec: {engine: nope}\n---\n"
        "apiVersion: voxray.io/v1alpha1\nkind: VoiceModel\nmetadata: {name: b}\nspec: {engine: vits}\n"
    )
    code, _, err = render(write(tmp_path, bad))
    assert code == EXIT_INVALID
    assert "VoiceModel/a: spec.engine" in err
    assert "VoiceModel/b: spec: voices is required" in err


def test_text_models_and_generating_batches(tmp_path: Path) -> None:
    gemma = EXAMPLES_DIR / "textmodel-gemma.yaml"
    batch = EXAMPLES_DIR / "speechbatch-generate.yaml"
    code, out, err = render(gemma, batch)
    assert code == 0, err
    kinds = [d["kind"] for d in yaml.safe_load_all(out)]
    assert kinds == ["RayService", "ConfigMap", "RayJob"]
    assert "posts are written by TextModel gemma" in err
    assert "gemma-api-keys" in err
    # the batch alone: the TextModel it names is not among the files
    code, _, err = render(batch)
    assert code == EXIT_INVALID
    assert "spec.generate.textModel: TextModel 'gemma' was not found" in err
    assert "give its file with -f" in err
    bad = "apiVersion: voxray.io/v1alpha1\nkind: TextModel\nmetadata: {name: t}\nspec: {engine: vllm}\n"
    code, _, err = render(write(tmp_path, bad))
    assert code == EXIT_INVALID
    assert "TextModel/t: spec: engine vllm needs weights.source" in err


def test_duplicates_missing_files_and_empty_files(tmp_path: Path) -> None:
    kokoro = EXAMPLES_DIR / "voicemodel-kokoro.yaml"
    code, _, err = render(kokoro, kokoro)
    assert code == EXIT_INVALID
    assert "is also in" in err
    code, _, err = render(tmp_path / "missing.yaml")
    assert (code, "cannot read" in err) == (EXIT_INVALID, True)
    code, _, err = render(write(tmp_path, "# nothing\n"))
    assert (code, "no VoiceModel, TextModel, TranscriptionModel or SpeechBatch" in err) == (
        EXIT_INVALID,
        True,
    )


def test_register_adds_render_to_a_parser() -> None:
    parser = argparse.ArgumentParser(prog="voxray")
    register(parser.add_subparsers(dest="command"))
    parsed = parser.parse_args(["render", "-f", "a.yaml", "-f", "b.yaml", "-n", "tts", "--image", "x"])
    assert parsed.func is run_render
    assert (parsed.file, parsed.namespace, parsed.image) == (["a.yaml", "b.yaml"], "tts", "x")


def test_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "-f", str(EXAMPLES_DIR / "voicemodel-espeak.yaml")]) == 0
    assert "kind: RayService" in capsys.readouterr().out


def test_a_real_process() -> None:
    code = "import sys; from voxray_operator.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, "render", "-f", str(EXAMPLES_DIR / "voicemodel-mms-gpu.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (rayservice,) = yaml.safe_load_all(proc.stdout)
    assert rayservice["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["groupName"] == "gpu-workers"


@pytest.mark.parametrize(
    ("security", "secrets"),
    [
        ("", "m-api-keys, m-audit-key"),
        ("  security: {oidc: {issuer: 'https://i.example', audience: a}}\n", "m-audit-key"),
        ("  security: {auth: Disabled, audit: {hmacKeySecretRef: {name: a}}}\n", None),
    ],
)
def test_render_says_which_secrets_the_operator_generates(
    tmp_path: Path, security: str, secrets: str | None
) -> None:
    doc = "apiVersion: voxray.io/v1alpha1\nkind: VoiceModel\nmetadata: {name: m}\nspec:\n  engine: espeak\n"
    code, out, err = render(write(tmp_path, doc + security))
    assert code == 0, err
    if secrets is None:
        assert "generates" not in err
    else:
        assert f"generates Secret(s) {secrets} once" in err
    assert "kind: Secret" not in out  # random keys are never rendered
