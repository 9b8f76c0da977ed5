"""What counts as drift: fields the builder sets, compared by value; API-server defaults are not drift."""

from __future__ import annotations

from typing import Any

import pytest

from voxray_operator.drift import child_drift, controller_owner, differences, owned_by

SERVE = "applications:\n- name: voxray\n  deployments:\n  - name: TTS-m\n    num_replicas: 2\n"


def child(**spec: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "m",
            "resourceVersion": "7",
            "labels": {"a": "1"},
            "annotations": {"voxray.io/spec-hash": "h1"},
            "ownerReferences": [
                {
                    "kind": "VoiceModel",
                    "apiVersion": "voxray.io/v1alpha1",
                    "name": "m",
                    "uid": "u1",
                    "controller": True,
                }
            ],
        },
        "spec": {
            "serveConfigV2": SERVE,
            "rayClusterConfig": {"workerGroupSpecs": [{"groupName": "g", "replicas": 1}]},
            **spec,
        },
    }


@pytest.mark.parametrize(
    ("actual", "wanted", "paths"),
    [
        ({"a": 1, "extra": 2}, {"a": 1}, []),
        ({"a": 1}, {"a": 2}, ["a"]),
        ({"a": {"b": [1, 2]}}, {"a": {"b": [1]}}, ["a.b"]),
        ({"a": [{"x": 1, "default": "TCP"}]}, {"a": [{"x": 1}]}, []),
        ({"a": [{"x": 1}]}, {"a": [{"x": 2}]}, ["a[0].x"]),
        ({"a": 1.0}, {"a": 1}, []),
        ({"a": True}, {"a": 1}, ["a"]),
        ({"a": "1"}, {"a": 1}, ["a"]),
        ({}, {"a": 0}, ["a"]),
        ({}, {"a": None}, []),  # absent and null are the same to a merge patch
        ({"a": 5}, {"a": {"b": 1}}, ["a"]),
    ],
)
def test_differences(actual: Any, wanted: Any, paths: list[str]) -> None:
    assert differences(actual, wanted) == paths


def test_no_drift_when_the_child_holds_the_built_fields() -> None:
    existing = child()
    existing["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["scaleStrategy"] = {}  # a default
    existing["metadata"]["labels"]["team"] = "x"  # someone else's label
    assert child_drift(existing, child()) is None


def test_reformatted_yaml_is_not_drift_but_a_changed_value_is() -> None:
    reformatted = child(
        serveConfigV2="applications: [{name: voxray, deployments: [{name: TTS-m, num_replicas: 2}]}]"
    )
    assert child_drift(reformatted, child()) is None
    changed = child(serveConfigV2=SERVE.replace("num_replicas: 2", "num_replicas: 3"))
    drift = child_drift(changed, child())
    assert drift is not None
    assert drift.spec_changed
    assert any("num_replicas" in p for p in drift.paths)


def test_the_patch_restores_the_spec_under_the_read_version() -> None:
    existing = child()
    existing["spec"]["rayClusterConfig"]["workerGroupSpecs"].append({"groupName": "added-by-hand"})
    drift = child_drift(existing, child())
    assert drift is not None
    assert drift.paths == ("spec.rayClusterConfig.workerGroupSpecs",)
    assert drift.patch["metadata"]["resourceVersion"] == "7"
    assert drift.patch["spec"] == child()["spec"]


def test_labels_annotations_and_owner_references() -> None:
    existing = child()
    existing["metadata"]["annotations"]["voxray.io/spec-hash"] = "old"
    existing["metadata"]["ownerReferences"] = []
    drift = child_drift(existing, child())
    assert drift is not None
    assert set(drift.paths) == {"metadata.annotations.voxray.io/spec-hash", "metadata.ownerReferences"}
    assert not drift.spec_changed
    assert drift.patch["metadata"]["annotations"] == {"voxray.io/spec-hash": "h1"}
    assert drift.patch["metadata"]["ownerReferences"][0]["uid"] == "u1"


def test_ownership() -> None:
    c = child()
    assert owned_by(c, {"metadata": {"uid": "u1"}})
    assert not owned_by(c, {"metadata": {"uid": "u2"}})
    assert not owned_by(c, {"metadata": {}})
    assert controller_owner(c, "VoiceModel", "voxray.io") == c["metadata"]["ownerReferences"][0]
    assert controller_owner(c, "SpeechBatch", "voxray.io") is None
    assert controller_owner(c, "VoiceModel", "example.com") is None


def test_configmap_data_is_content() -> None:
    def cm(text: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"resourceVersion": "3"},
            "data": {"k": text},
        }

    assert child_drift(cm("a"), cm("a")) is None
    drift = child_drift(cm("a"), cm("b"))
    assert drift is not None
    assert drift.paths == ("data.k",)
    assert drift.patch == {"metadata": {"resourceVersion": "3"}, "data": {"k": "b"}}
    assert not drift.spec_changed
