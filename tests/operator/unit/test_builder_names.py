"""Names, labels, hashes and owner references: the pieces every child object shares."""

from __future__ import annotations

import pytest

from tests.operator.unit.support import owner
from voxray_operator.builders import (
    batch_configmap_name,
    child_name,
    common_labels,
    dns1035_name,
    is_dns_label,
    label_value,
    owner_references,
    rayjob_name,
    rayservice_name,
    spec_hash,
    truncate_name,
)
from voxray_runtime.spec.voicemodel import VoiceModelSpec


@pytest.mark.parametrize(
    ("name", "limit", "expected"),
    [
        ("kokoro", 63, "kokoro"),
        ("a" * 63, 63, "a" * 63),
    ],
)
def test_truncate_name_keeps_names_that_fit(name: str, limit: int, expected: str) -> None:
    assert truncate_name(name, limit) == expected


@pytest.mark.parametrize("length", [64, 100, 253])
def test_truncate_name_shortens_with_a_stable_hash(length: int) -> None:
    name = "x" * (length - 1) + "y"
    short = truncate_name(name)
    assert len(short) <= 63
    assert short == truncate_name(name)
    assert short != truncate_name("x" * length)
    assert is_dns_label(short)


def test_truncate_name_never_ends_in_a_dash() -> None:
    name = "a" * 53 + "-" * 20
    assert not truncate_name(name).rstrip("0123456789abcdef").endswith("--")
    assert is_dns_label(truncate_name(name))


@pytest.mark.parametrize(
    ("owner_name", "suffix", "expected"),
    [("small", "speechbatch", "small-speechbatch"), ("x", "", "x")],
)
def test_child_name(owner_name: str, suffix: str, expected: str) -> None:
    assert child_name(owner_name, suffix) == expected


def test_child_name_keeps_the_suffix_when_shortening() -> None:
    name = child_name("b" * 80, "speechbatch")
    assert len(name) <= 63
    assert name.endswith("-speechbatch")


@pytest.mark.parametrize(
    ("name", "limit", "kept"),
    [
        ("kokoro", 47, True),
        ("mms-urdu", 47, True),
        ("a" * 47, 47, True),
        ("a" * 48, 47, False),  # too long for KubeRay
        ("1st-model", 47, False),  # DNS-1035 starts with a letter
        ("model.v2", 47, False),  # dots are fine in a CR name, not in a RayService name
        ("Model", 47, False),
    ],
)
def test_dns1035_name(name: str, limit: int, kept: bool) -> None:
    out = dns1035_name(name, limit)
    assert (out == name) is kept
    assert len(out) <= limit
    assert out[0].isalpha()
    assert out[-1].isalnum()
    assert all(c.isalnum() or c == "-" for c in out)


def test_dns1035_name_never_merges_two_names() -> None:
    assert dns1035_name("model.v2", 47) != dns1035_name("model-v2", 47)


def test_child_object_names() -> None:
    assert rayservice_name("kokoro") == "kokoro"
    assert rayjob_name("small") == "small"
    assert batch_configmap_name("small") == "small-speechbatch"
    assert len(rayservice_name("v" * 200)) <= 47
    assert len(rayjob_name("b" * 200)) <= 47


def test_common_labels() -> None:
    assert common_labels("voicemodel", voicemodel="kokoro") == {
        "app.kubernetes.io/name": "voxray",
        "app.kubernetes.io/component": "voicemodel",
        "app.kubernetes.io/managed-by": "voxray-operator",
        "voxray.io/voicemodel": "kokoro",
    }
    batch = common_labels("speechbatch", speechbatch="small")
    assert batch["voxray.io/speechbatch"] == "small"
    assert "voxray.io/voicemodel" not in batch


def test_label_values_fit_63_characters() -> None:
    value = label_value("m" * 200)
    assert len(value) <= 63
    assert value[0].isalnum()
    assert value[-1].isalnum()


def test_spec_hash_is_stable_and_covers_defaults() -> None:
    a = VoiceModelSpec.model_validate({"engine": "espeak"})
    b = VoiceModelSpec.model_validate({"engine": "espeak", "replicas": {"min": 1, "max": 1}})
    c = VoiceModelSpec.model_validate({"engine": "espeak", "replicas": {"min": 1, "max": 2}})
    assert spec_hash(a) == spec_hash(b)  # the same spec, defaults written out or not
    assert spec_hash(a) != spec_hash(c)
    assert len(spec_hash(a)) == 64


def test_owner_references() -> None:
    assert owner_references(None) == []
    assert owner_references(owner("VoiceModel", "kokoro", uid="u-1")) == [
        {
            "apiVersion": "voxray.io/v1alpha1",
            "kind": "VoiceModel",
            "name": "kokoro",
            "uid": "u-1",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
