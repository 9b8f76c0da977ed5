"""Applying a decision: num_replicas in serveConfigV2 and the worker group fields, nothing else."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from voxray_operator.builders import build_rayservice, parse_spec
from voxray_operator.config import BuildSettings
from voxray_operator.scaling.apply import ScalingApplyError, scaling_patch, set_serve_replicas

SETTINGS = BuildSettings()


def rayservice(replicas: int, **spec: Any) -> dict[str, Any]:
    vm = parse_spec(
        "VoiceModel", {"engine": "kokoro", "resources": {"gpu": 1}, "replicas": {"min": 1, "max": 8}, **spec}
    )
    rs = build_rayservice("tts", "ns", vm, SETTINGS, replicas=replicas)
    rs["metadata"]["resourceVersion"] = "42"
    return rs


def deployments(serve_config: str) -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(serve_config)
    return {d["name"]: d for d in doc["applications"][0]["deployments"]}


def test_only_the_model_deployment_changes() -> None:
    rs = rayservice(1)
    text = set_serve_replicas(rs["spec"]["serveConfigV2"], "tts", 5)
    before, after = deployments(rs["spec"]["serveConfigV2"]), deployments(text)
    assert after["TTS-tts"]["num_replicas"] == 5
    assert after["VoxrayIngress"] == before["VoxrayIngress"]
    assert {**after["TTS-tts"], "num_replicas": 1} == before["TTS-tts"]
    assert (
        yaml.safe_load(text)["applications"][0]["args"]
        == yaml.safe_load(rs["spec"]["serveConfigV2"])["applications"][0]["args"]
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("applications: [\n", "not valid YAML"),
        ("applications: []\n", "no deployment TTS-tts"),
        ("- just a list\n", "no deployment"),
        ("applications:\n- name: other\n  deployments:\n  - name: TTS-tts\n", "in application voxray"),
    ],
)
def test_unexpected_serve_configs_are_refused(text: str, words: str) -> None:
    with pytest.raises(ScalingApplyError, match=words):
        set_serve_replicas(text, "tts", 2)


def test_patch_carries_replicas_group_fields_and_resource_version() -> None:
    rs = rayservice(1)
    rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["metadata"]["annotations"] = {
        "kept": "yes"
    }
    vm = parse_spec(
        "VoiceModel", {"engine": "kokoro", "resources": {"gpu": 1}, "replicas": {"min": 1, "max": 8}}
    )
    built = build_rayservice("tts", "ns", vm, SETTINGS, replicas=3)

    patch = scaling_patch(rs, built, "tts", 3)

    assert patch["metadata"] == {"resourceVersion": "42"}
    assert deployments(patch["spec"]["serveConfigV2"])["TTS-tts"]["num_replicas"] == 3
    (group,) = patch["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    assert (group["replicas"], group["minReplicas"], group["maxReplicas"]) == (3, 1, 8)
    # the rest of the group is the RayService's own (a merge patch replaces the whole list)
    assert group["template"]["metadata"]["annotations"] == {"kept": "yes"}
    assert set(patch["spec"]) == {"serveConfigV2", "rayClusterConfig"}
    assert set(patch["spec"]["rayClusterConfig"]) == {"workerGroupSpecs"}


def test_fractional_gpus_pack_replicas_into_pods() -> None:
    spec = {"resources": {"gpuFraction": 0.5}}
    rs = rayservice(1, **spec)
    vm = parse_spec(
        "VoiceModel",
        {"engine": "kokoro", "resources": {"gpuFraction": 0.5}, "replicas": {"min": 1, "max": 8}},
    )
    patch = scaling_patch(rs, build_rayservice("tts", "ns", vm, SETTINGS, replicas=5), "tts", 5)
    group = patch["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]
    assert group["replicas"] == 3  # two replicas per GPU pod
    assert deployments(patch["spec"]["serveConfigV2"])["TTS-tts"]["num_replicas"] == 5


def test_patch_does_not_touch_its_input() -> None:
    rs = rayservice(2)
    original = copy.deepcopy(rs)
    scaling_patch(rs, rayservice(4), "tts", 4)
    assert rs == original


def test_a_missing_worker_group_is_refused() -> None:
    rs = rayservice(1)
    rs["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["groupName"] = "renamed-by-hand"
    with pytest.raises(ScalingApplyError, match="no worker group gpu-workers"):
        scaling_patch(rs, rayservice(2), "tts", 2)
