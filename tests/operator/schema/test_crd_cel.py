"""The CRDs' CEL rules (``x-kubernetes-validations``) evaluated as the API server does, with Google's CEL
runtime (cel-expr-python): after structural defaulting, each rule on the node it is declared on. Every
example passes every rule; the KubeRay v1.7 options that the operator refuses are refused by
``kubectl apply`` already, with the rule's message."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.operator.unit.support import REPO_ROOT, example_files

cel = pytest.importorskip("cel_expr_python.cel", reason="cel-expr-python (the dev extra) is not installed")

CRDS = {
    "VoiceModel": "voxray.io_voicemodels.yaml",
    "TextModel": "voxray.io_textmodels.yaml",
    "SpeechBatch": "voxray.io_speechbatches.yaml",
    "TranscriptionModel": "voxray.io_transcriptionmodels.yaml",
}
ENV = cel.NewEnv(variables={"self": cel.Type.DYN})


def spec_schema(kind: str) -> dict[str, Any]:
    crd = yaml.safe_load((REPO_ROOT / "crds" / CRDS[kind]).read_text(encoding="utf-8"))
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]  # type: ignore[no-any-return]


def defaulted(schema: dict[str, Any], value: Any) -> Any:
    """Structural defaulting: absent properties with a default get it, recursively (objects and lists)."""
    if isinstance(value, dict) and "properties" in schema:
        out = dict(value)
        for key, sub in schema["properties"].items():
            if key not in out and "default" in sub:
                out[key] = copy.deepcopy(sub["default"])
            if key in out:
                out[key] = defaulted(sub, out[key])
        return out
    if isinstance(value, list) and "items" in schema:
        return [defaulted(schema["items"], v) for v in value]
    return value


def rules_at(schema: dict[str, Any], value: Any, path: str = "spec") -> Iterator[tuple[str, str, str, Any]]:
    """(path, rule, message, self) for every rule of ``schema`` and its sub-schemas present in ``value``."""
    for rule in schema.get("x-kubernetes-validations", []):
        yield path, rule["rule"], rule["message"], value
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                yield from rules_at(sub, value[key], f"{path}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            yield from rules_at(schema["items"], item, f"{path}[{i}]")


def violations(kind: str, spec: dict[str, Any]) -> list[str]:
    schema = spec_schema(kind)
    out = []
    for path, rule, message, node in rules_at(schema, defaulted(schema, spec)):
        result = ENV.compile(rule).eval(data={"self": node}).value()
        assert isinstance(result, bool), (path, rule, result)
        if not result:
            out.append(f"{path}: {message}")
    return out


def test_every_rule_compiles() -> None:
    for kind in CRDS:
        schema = spec_schema(kind)
        stack = [schema]
        while stack:
            node = stack.pop()
            for rule in node.get("x-kubernetes-validations", []):
                ENV.compile(rule["rule"])
            stack.extend((node.get("properties") or {}).values())
            if "items" in node:
                stack.append(node["items"])


def test_every_example_passes_every_rule() -> None:
    for path in example_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") in CRDS:
                assert violations(doc["kind"], doc["spec"]) == [], path.name


INCREMENTAL = {
    "strategy": "NewClusterWithIncrementalUpgrade",
    "incremental": {"gatewayClassName": "istio", "stepSizePercent": 25, "intervalSeconds": 30},
}
BATCH: dict[str, Any] = {"input": {"file": "posts.jsonl"}, "variants": {"all": True}}


@pytest.mark.parametrize(
    ("kind", "spec", "message"),
    [
        ("VoiceModel", {"engine": "espeak", "upgrade": INCREMENTAL}, "needs Ray's autoscaler"),
        ("TextModel", {"upgrade": INCREMENTAL}, "needs Ray's autoscaler"),
        ("TranscriptionModel", {"upgrade": INCREMENTAL}, "needs Ray's autoscaler"),
        ("TranscriptionModel", {"model": "small"}, "the packaged weights are Whisper base"),
        ("TranscriptionModel", {"computeType": "float16"}, "this computeType needs a GPU"),
        (
            "VoiceModel",
            {"engine": "espeak", "upgrade": {"strategy": "NewClusterWithIncrementalUpgrade"}},
            "upgrade.incremental is required",
        ),
        (
            "VoiceModel",
            {"engine": "espeak", "upgrade": {"strategy": "None", "incremental": INCREMENTAL["incremental"]}},
            "upgrade.incremental is required",
        ),
        (
            "VoiceModel",
            {
                "engine": "espeak",
                "autoscaling": {"enabled": True},
                "upgrade": {
                    **INCREMENTAL,
                    "incremental": {**INCREMENTAL["incremental"], "maxSurgePercent": 10},
                },
            },
            "stepSizePercent must be less than or equal to maxSurgePercent",
        ),
        ("SpeechBatch", {**BATCH, "workloadPriorityClass": "low"}, "needs queueName"),
        ("SpeechBatch", {**BATCH, "queueName": "q", "runOn": {"voiceModel": "kokoro"}}, "runs on its own"),
        (
            "SpeechBatch",
            {**BATCH, "deletion": {}, "runOn": {"voiceModel": "kokoro"}},
            "not to a VoiceModel's",
        ),
        ("SpeechBatch", {**BATCH, "deletion": {}, "queueName": "q"}, "remove deletion or queueName"),
    ],
    ids=[
        "incremental-without-autoscaler",
        "text-incremental-without-autoscaler",
        "transcription-incremental-without-autoscaler",
        "transcription-packaged-is-base",
        "transcription-float16-on-cpu",
        "incremental-without-options",
        "options-without-incremental",
        "step-above-surge",
        "priority-without-queue",
        "queued-on-a-voicemodel",
        "deletion-on-a-voicemodel",
        "deletion-of-a-queued-batch",
    ],
)
def test_kubectl_apply_refuses_what_the_operator_refuses(
    kind: str, spec: dict[str, Any], message: str
) -> None:
    from voxray_operator.builders import BuildError, parse_spec

    found = violations(kind, spec)
    assert any(message in v for v in found), found
    with pytest.raises(BuildError):
        parse_spec(kind, spec)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "spec"),
    [
        ("VoiceModel", {"engine": "espeak", "replicas": {"min": 1, "max": 2}, "upgrade": INCREMENTAL}),
        ("VoiceModel", {"engine": "espeak", "upgrade": {"strategy": "NewCluster"}}),
        ("TextModel", {"autoscaling": {"enabled": True}, "upgrade": INCREMENTAL}),
        (
            "TranscriptionModel",
            {
                "model": "small",
                "weights": {"source": "huggingface", "repo": "Systran/faster-whisper-small"},
                "computeType": "float16",
                "resources": {"gpu": 1},
            },
        ),
        (
            "SpeechBatch",
            {**BATCH, "queueName": "q", "workloadPriorityClass": "low", "runOn": {"dedicated": True}},
        ),
        ("SpeechBatch", {**BATCH, "deletion": {"onFailure": {"policy": "DeleteWorkers"}}}),
    ],
    ids=["incremental", "new-cluster", "text-incremental", "transcription-gpu-small", "queued", "deletion"],
)
def test_valid_options_pass_the_rules(kind: str, spec: dict[str, Any]) -> None:
    assert violations(kind, spec) == []
