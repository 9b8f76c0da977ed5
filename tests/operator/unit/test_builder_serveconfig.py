"""serveConfigV2: one skeleton for both served kinds, and the reader status and the autoscaler use."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.unit.support import SETTINGS
from voxray_operator.builders import (
    build_rayservice,
    build_serve_config,
    build_text_rayservice,
    build_text_serve_config,
    model_deployment,
    model_replicas,
    serve_config_document,
    serve_endpoint,
    text_base_url,
)
from voxray_runtime.serve.args import APP_IMPORT_PATH, APP_NAME, INGRESS_DEPLOYMENT
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

VOICE = VoiceModelSpec.model_validate({"engine": "espeak", "replicas": {"min": 1, "max": 4, "initial": 2}})
TEXT = TextModelSpec.model_validate({"replicas": {"min": 1, "max": 3}})
DOC = {
    "applications": [
        {
            "name": "voxray",
            "deployments": [
                {"name": INGRESS_DEPLOYMENT, "num_replicas": 1},
                {"name": "TTS-a", "num_replicas": 3},
                {"name": "LLM-b", "num_replicas": 2},
            ],
        }
    ]
}


def rayservice(config: Any) -> dict[str, Any]:
    text = config if isinstance(config, str) else yaml.safe_dump(config)
    return {"spec": {"serveConfigV2": text}}


@pytest.mark.parametrize(
    ("source", "readable"),
    [
        (DOC, True),
        (rayservice(DOC), True),
        (yaml.safe_dump(DOC), True),
        ({}, False),
        ({"spec": {}}, False),
        ({"spec": "x"}, False),
        ({"spec": {"serveConfigV2": 5}}, False),
        (rayservice("applications: [unclosed"), False),
        (rayservice("- a list"), False),
        ("just text", False),
    ],
)
def test_serve_config_document(source: Any, readable: bool) -> None:
    assert (serve_config_document(source) == DOC) if readable else serve_config_document(source) is None


@pytest.mark.parametrize(
    ("source", "deployment", "found"),
    [
        (DOC, "LLM-b", "LLM-b"),
        (rayservice(DOC), "TTS-a", "TTS-a"),
        (yaml.safe_dump(DOC), INGRESS_DEPLOYMENT, INGRESS_DEPLOYMENT),
        (DOC, None, "TTS-a"),  # no name: the first that is not the ingress
        (DOC, "TTS-missing", None),
        ({"applications": [{"deployments": [{"name": INGRESS_DEPLOYMENT}]}]}, None, None),
        (
            {"applications": ["odd", {"deployments": "odd"}, {"deployments": ["odd", {"name": "M"}]}]},
            None,
            "M",
        ),
        ({"applications": "odd"}, None, None),
        (rayservice("{"), None, None),
    ],
)
def test_model_deployment(source: Any, deployment: str | None, found: str | None) -> None:
    dep = model_deployment(source, deployment)
    assert (dep["name"] if dep is not None else None) == found


@pytest.mark.parametrize(
    ("replicas", "voicemodel", "deployment", "expected"),
    [
        (3, "a", None, 3),
        (3, None, None, 3),
        (3, None, "LLM-b", 2),
        (3, "other", None, None),
        ("3", "a", None, None),
        (True, "a", None, None),
        (None, "a", None, None),
    ],
)
def test_model_replicas(
    replicas: Any, voicemodel: str | None, deployment: str | None, expected: int | None
) -> None:
    doc = {
        "applications": [
            {
                "deployments": [
                    {"name": INGRESS_DEPLOYMENT, "num_replicas": 1},
                    {"name": "TTS-a", "num_replicas": replicas},
                    {"name": "LLM-b", "num_replicas": 2},
                ]
            }
        ]
    }
    assert model_replicas(rayservice(doc), voicemodel, deployment=deployment) == expected


def test_the_reader_reads_what_the_builders_write() -> None:
    voice = build_rayservice("a", "tts", VOICE, SETTINGS, replicas=3)
    text = build_text_rayservice("b", "tts", TEXT, SETTINGS)
    assert model_replicas(voice, "a") == model_replicas(voice) == 3
    assert model_replicas(text, deployment="LLM-b") == model_replicas(text) == 1
    assert model_deployment(text) == model_deployment(text, "LLM-b")
    voice_model = model_deployment(voice)
    assert voice_model is not None
    assert voice_model["name"] == "TTS-a"


@pytest.mark.parametrize(
    "config",
    [build_serve_config("a", VOICE, SETTINGS), build_text_serve_config("b", TEXT, SETTINGS)],
    ids=["voicemodel", "textmodel"],
)
def test_both_kinds_share_one_skeleton(config: dict[str, Any]) -> None:
    assert config["proxy_location"] == "EveryNode"
    assert config["http_options"] == {"host": "0.0.0.0", "port": 8000}
    (app,) = config["applications"]
    assert (app["name"], app["import_path"], app["route_prefix"]) == (APP_NAME, APP_IMPORT_PATH, "/")
    ingress, model = app["deployments"]
    # a VoiceModel's ingress carries its lexicons (none here) in user_config; a TextModel's has none
    assert ingress.pop("user_config", {"lexicons": {}}) == {"lexicons": {}}
    assert ingress == {
        "name": INGRESS_DEPLOYMENT,
        "num_replicas": SETTINGS.ingress_replicas,
        "max_ongoing_requests": SETTINGS.ingress_max_ongoing_requests,
        "ray_actor_options": {"num_cpus": SETTINGS.ingress_num_cpus},
    }
    assert model["name"] != INGRESS_DEPLOYMENT


@pytest.mark.parametrize(
    ("build", "spec"), [(build_serve_config, VOICE), (build_text_serve_config, TEXT)], ids=["voice", "text"]
)
def test_credentials_revision_reaches_only_the_ingress(build: Any, spec: Any) -> None:
    config = build("m", spec, SETTINGS, credentials_revision="r7")
    ingress, model = config["applications"][0]["deployments"]
    assert ingress["ray_actor_options"]["runtime_env"] == {"env_vars": {"VOXRAY_CREDENTIALS_REVISION": "r7"}}
    assert "runtime_env" not in model.get("ray_actor_options", {})


def test_endpoints() -> None:
    assert serve_endpoint("kokoro", "tts") == "http://kokoro-serve-svc.tts.svc:8000"
    assert text_base_url("gemma", "ai") == "http://gemma-serve-svc.ai.svc:8000/v1"
