"""crds/ is generated from the pydantic models; the schemas are structural and carry the CEL rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.operator.unit.support import REPO_ROOT
from voxray_operator import crdgen

CRDS_DIR = REPO_ROOT / "crds"


def walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}[{i}]")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((CRDS_DIR / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def schema_of(crd: dict[str, Any]) -> dict[str, Any]:
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # type: ignore[no-any-return]


def test_crds_are_up_to_date() -> None:
    rendered = crdgen.render_all()
    assert sorted(rendered) == [
        "voxray.io_lexicons.yaml",
        "voxray.io_speechbatches.yaml",
        "voxray.io_textmodels.yaml",
        "voxray.io_transcriptionmodels.yaml",
        "voxray.io_voicemodels.yaml",
    ]
    for name, text in rendered.items():
        path = CRDS_DIR / name
        assert path.is_file(), f"{path} is missing: run python -m voxray_operator.crdgen --out crds/"
        assert path.read_text(encoding="utf-8") == text, (
            f"{name} is out of date: run python -m voxray_operator.crdgen --out crds/"
        )


def test_check_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert crdgen.main(["--out", str(tmp_path), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert crdgen.main(["--out", str(tmp_path)]) == 0
    assert crdgen.main(["--out", str(tmp_path), "--check"]) == 0
    assert crdgen.main(["--out", str(CRDS_DIR), "--check"]) == 0


SERVED_AND_BATCH_CRDS = [
    "voxray.io_voicemodels.yaml",
    "voxray.io_speechbatches.yaml",
    "voxray.io_textmodels.yaml",
    "voxray.io_transcriptionmodels.yaml",
]


@pytest.mark.parametrize("name", SERVED_AND_BATCH_CRDS)
def test_schemas_are_structural(name: str) -> None:
    schema = schema_of(load(name))
    for path, node in walk(schema):
        if (
            path.endswith(".properties")
            or path.endswith("x-kubernetes-validations")
            or "[" in path.split(".")[-1]
        ):
            continue
        if path.endswith(".default") or ".default." in path:
            continue
        assert not {"$ref", "$defs", "anyOf", "oneOf", "allOf", "title", "const"} & set(node), path
        if "properties" in node:
            assert node.get("type") == "object", path
            assert "additionalProperties" not in node, path
        if "exclusiveMinimum" in node:
            assert node["exclusiveMinimum"] is True, path
        if node is not schema and path.count(".properties.") and "type" not in node:
            assert node.get("x-kubernetes-preserve-unknown-fields") is True, path


def test_voicemodel_crd() -> None:
    crd = load("voxray.io_voicemodels.yaml")
    spec = crd["spec"]
    assert crd["metadata"]["name"] == "voicemodels.voxray.io"
    assert spec["names"]["shortNames"] == ["vmodel"]  # "vm" belongs to KubeVirt
    assert spec["names"]["categories"] == ["voxray"]
    assert spec["scope"] == "Namespaced"
    version = spec["versions"][0]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}
    columns = [c["name"] for c in version["additionalPrinterColumns"] if c.get("priority", 0) == 0]
    assert columns == ["Engine", "Ready", "Replicas", "Endpoint", "Age"]
    props = schema_of(crd)["properties"]["spec"]["properties"]
    assert props["engine"]["enum"] == ["kokoro", "piper", "espeak", "vits"]
    assert schema_of(crd)["properties"]["spec"]["required"] == ["engine"]
    assert props["autoscaling"]["properties"]["targetUtilization"]["maximum"] == 0.8
    assert props["replicas"]["properties"]["min"]["default"] == 1
    assert props["resources"]["properties"]["memory"]["pattern"].startswith("^[0-9]")
    assert "Hugging Face repo id" in props["weights"]["properties"]["repo"]["description"]
    rules = [r["rule"] for r in props["replicas"]["x-kubernetes-validations"]]
    assert "self.min <= self.max" in rules
    assert any("huggingface" in r["rule"] for r in props["weights"]["x-kubernetes-validations"])
    status = schema_of(crd)["properties"]["status"]["properties"]
    assert status["phase"]["enum"] == ["Pending", "Deploying", "Ready", "Degraded", "Failed"]
    assert set(status["lastScaling"]["properties"]) == {"time", "from", "to", "utilization", "reason"}
    assert status["conditions"]["items"]["properties"]["status"]["enum"] == ["True", "False", "Unknown"]
    assert status["kopf"]["x-kubernetes-preserve-unknown-fields"] is True


def test_speechbatch_crd() -> None:
    crd = load("voxray.io_speechbatches.yaml")
    spec = crd["spec"]
    assert spec["names"]["shortNames"] == ["sbatch"]
    assert spec["names"]["plural"] == "speechbatches"
    version = spec["versions"][0]
    assert [c["name"] for c in version["additionalPrinterColumns"]] == [
        "Phase",
        "Done",
        "Total",
        "Failed",
        "Age",
    ]
    props = schema_of(crd)["properties"]["spec"]["properties"]
    # input or generate (exactly one, as the runtime model says)
    assert schema_of(crd)["properties"]["spec"]["required"] == ["variants"]
    assert "exactly one of" in props["input"]["x-kubernetes-validations"][0]["message"]
    rule, *kuberay_rules = schema_of(crd)["properties"]["spec"]["x-kubernetes-validations"]
    assert rule["rule"] == "has(self.input) != has(self.generate)"
    assert {"queueName", "deletion", "workloadPriorityClass"} <= set(props)
    assert len(kuberay_rules) == 4  # Kueue and deletion rules: see tests/operator/schema/test_kuberay_options
    assert set(props["generate"]["properties"]) >= {"textModel", "brief", "count", "languages", "seed"}
    assert props["input"]["properties"]["items"]["items"]["properties"]["texts"]["additionalProperties"] == {
        "type": "string"
    }
    status = schema_of(crd)["properties"]["status"]["properties"]
    assert status["phase"]["enum"] == [
        "Pending",
        "Queued",
        "Running",
        "Succeeded",
        "Failed",
        "ValidationFailed",
    ]
    assert set(status["counts"]["properties"]) == {"total", "done", "failed", "skipped"}
    assert set(status["output"]["properties"]) == {"volumeClaim", "path", "manifest"}


def test_textmodel_crd() -> None:
    crd = load("voxray.io_textmodels.yaml")
    spec = crd["spec"]
    assert crd["metadata"]["name"] == "textmodels.voxray.io"
    assert spec["names"]["shortNames"] == ["tmodel", "textmodel"]
    assert spec["names"]["categories"] == ["voxray"]
    version = spec["versions"][0]
    assert version["subresources"] == {"status": {}}
    columns = [c["name"] for c in version["additionalPrinterColumns"] if c.get("priority", 0) == 0]
    assert columns == ["Engine", "Model", "Quantization", "Ready", "Replicas", "Phase", "Age"]
    props = schema_of(crd)["properties"]["spec"]["properties"]
    assert props["engine"]["enum"] == ["llamacpp", "vllm"]
    assert props["engine"]["default"] == "llamacpp"
    assert props["quantization"]["enum"] == ["none", "gguf", "awq", "gptq", "fp8"]
    assert props["tensorParallelSize"]["minimum"] == 1
    assert props["autoscaling"]["properties"]["targetUtilization"]["maximum"] == 0.8
    assert set(props["security"]["properties"]) >= {"auth", "apiKeys", "oidc", "audit", "limits"}
    assert props["engineArgs"]["additionalProperties"] == {"x-kubernetes-preserve-unknown-fields": True}
    rules = {
        r["message"]: r["rule"] for r in schema_of(crd)["properties"]["spec"]["x-kubernetes-validations"]
    }
    assert "'vllm': ['none', 'awq', 'gptq', 'fp8']" in rules["quantization is not available for this engine"]
    assert "tensorParallelSize applies to engine vllm only" in rules
    serving = props["serving"]["x-kubernetes-validations"][0]["rule"]
    assert "maxConcurrentSequences + self.maxQueue" in serving
    status = schema_of(crd)["properties"]["status"]["properties"]
    assert {"baseUrl", "modelId", "engine", "endpoint", "lastScaling", "credentials"} <= set(status)
    assert status["phase"]["enum"] == ["Pending", "Deploying", "Ready", "Degraded", "Failed"]


def test_transcriptionmodel_crd() -> None:
    crd = load("voxray.io_transcriptionmodels.yaml")
    spec = crd["spec"]
    assert crd["metadata"]["name"] == "transcriptionmodels.voxray.io"
    assert spec["names"]["kind"] == "TranscriptionModel"
    assert spec["names"]["shortNames"] == ["trmodel", "transcriptionmodel"]
    assert spec["names"]["categories"] == ["voxray"]
    version = spec["versions"][0]
    assert version["subresources"] == {"status": {}}
    columns = [c["name"] for c in version["additionalPrinterColumns"] if c.get("priority", 0) == 0]
    assert columns == ["Engine", "Whisper", "Model", "Ready", "Replicas", "Phase", "Age"]
    props = schema_of(crd)["properties"]["spec"]["properties"]
    assert props["engine"]["enum"] == ["faster-whisper"]
    assert props["model"]["default"] == "base"
    assert props["computeType"]["enum"] == ["int8", "int8_float32", "int8_float16", "float16", "float32"]
    assert props["languages"]["items"]["pattern"] == "^[a-z]{2,3}$"
    serving = props["serving"]["properties"]
    assert {
        "maxConcurrent",
        "maxQueue",
        "threads",
        "beamSize",
        "maxDurationSeconds",
        "maxUploadBytes",
    } <= set(serving)
    assert props["autoscaling"]["properties"]["targetUtilization"]["maximum"] == 0.8
    assert set(props["security"]["properties"]) >= {"auth", "apiKeys", "oidc", "audit", "limits"}
    rules = [r["rule"] for r in schema_of(crd)["properties"]["spec"]["x-kubernetes-validations"]]
    assert any("self.model == 'base'" in r for r in rules)
    assert any("'int8_float16', 'float16'" in r for r in rules)
    status = schema_of(crd)["properties"]["status"]["properties"]
    assert {"baseUrl", "modelId", "engine", "model", "endpoint", "lastScaling", "credentials"} <= set(status)
    assert status["phase"]["enum"] == ["Pending", "Deploying", "Ready", "Degraded", "Failed"]


def test_cel_rules_are_well_formed() -> None:
    for name in SERVED_AND_BATCH_CRDS:
        for path, node in walk(schema_of(load(name))):
            for rule in node.get("x-kubernetes-validations", []) if not path.endswith("properties") else []:
                assert set(rule) == {"rule", "message"}, path
                assert rule["rule"].count("(") == rule["rule"].count(")"), rule["rule"]
                for field in ("self.min", "self.source", "self.format", "self.engine"):
                    if field in rule["rule"]:
                        owner = field.split(".")[1]
                        assert owner in node["properties"], (path, owner)
