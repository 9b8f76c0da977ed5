"""A spec.generate SpeechBatch with bad input stops before any model loads or any text is written, with
a message naming the field (exit 2)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.batch.test_batch_run import batch_args
from voxray_runtime.batch.cli import EXIT_INVALID, run_batch
from voxray_runtime.cli import main

from .helpers import generate_spec, write_generate_doc


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(tmp_path: Path, spec: dict[str, Any], capsys: pytest.CaptureFixture[str], **args: Any) -> str:
    path = write_generate_doc(tmp_path / "batch.yaml", spec)
    out = tmp_path / "out"
    assert run_batch(batch_args(path, out, progress="none", **args)) == EXIT_INVALID
    assert not (out / "posts.jsonl").exists()
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        (generate_spec(textModel="llama-70b"), "spec.generate.textModel", "unknown TextModel 'llama-70b'"),
        (generate_spec(brief="   "), "spec.generate.brief", "the brief is empty"),
        (generate_spec(brief=""), "spec.generate.brief", "at least 1 character"),
        (generate_spec(count=0), "spec.generate.count", "greater than or equal to 1"),
        (generate_spec(languages=["en", "fr"]), "spec.generate.languages", "unsupported language(s) fr"),
        (generate_spec(sourceLanguage="de"), "spec.generate.sourceLanguage", "unsupported language 'de'"),
        (generate_spec(languages=["en"]), "spec.generate.languages", "the requested voices speak es"),
        (generate_spec(maxTokens=8), "spec.generate.maxTokens", "greater than or equal to 16"),
        (
            {**generate_spec(), "output": {"manifest": "posts.jsonl"}},
            "spec.output.manifest",
            "posts.jsonl holds the generated posts",
        ),
        (
            {**generate_spec(), "input": {"items": [{"index": 1, "texts": {"en": "Hi."}}]}},
            "spec",
            "give exactly one of input",
        ),
    ],
)
def test_bad_spec_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: dict[str, Any], field: str, message: str
) -> None:
    err = run(tmp_path, spec, capsys)
    assert f"{field}: " in err
    assert message in err


def test_unreachable_text_model_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    err = run(tmp_path, generate_spec(), capsys, text_url=url)
    assert "--text-url: cannot reach the text model at " + url in err


def test_unreachable_url_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("VOXRAY_TEXT_MODEL_URL", url)
    monkeypatch.setenv("VOXRAY_TEXT_MODEL_ID", "gemma-3-270m-q4_k_m")
    err = run(tmp_path, generate_spec(), capsys)
    assert "spec.generate.textModel: cannot reach the text model at " + url in err
    assert "(the URL is from VOXRAY_TEXT_MODEL_URL)" in err


def test_vllm_text_model_needs_a_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_generate_doc(tmp_path / "batch.yaml", generate_spec(textModel="big"))
    path.write_text(
        path.read_text()
        + "---\napiVersion: voxray.io/v1alpha1\nkind: TextModel\nmetadata: {name: big}\nspec:\n"
        "  engine: vllm\n  weights: {source: huggingface, repo: org/model}\n  resources: {gpu: 1}\n"
    )
    assert run_batch(batch_args(path, tmp_path / "out", progress="none")) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "spec.generate.textModel: TextModel big uses engine vllm" in err


@pytest.mark.parametrize(
    ("argv", "flag", "message"),
    [
        (["--brief", "  "], "--brief", "the brief is empty"),
        (["--brief", "x", "--language", "fr"], "--language", "unsupported language(s) fr"),
        (["--brief", "x", "--translate", "es,xx"], "--translate", "unsupported language(s) xx"),
        (["--brief", "x", "--max-tokens", "4"], "--max-tokens", "greater than or equal to 16"),
        (["--brief", "x", "--temperature", "9"], "--temperature", "less than or equal to 2"),
        (["--brief", "x", "--number", "0"], "--number", "post numbers start at 1"),
        (["--brief", "x", "--model", "nope"], "--model", "unknown TextModel 'nope'"),
    ],
)
def test_generate_cli_names_the_flag(
    capsys: pytest.CaptureFixture[str], argv: list[str], flag: str, message: str
) -> None:
    assert main(["generate", *argv]) == 2
    err = capsys.readouterr().err
    assert f"voxray generate: {flag}: " in err
    assert message in err


def test_generate_cli_unreachable_url(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    assert main(["generate", "--brief", "x", "--url", url]) == 2
    assert f"voxray generate: --url: cannot reach the text model at {url}" in capsys.readouterr().err
