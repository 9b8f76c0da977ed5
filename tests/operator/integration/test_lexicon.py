"""Lexicon through the operator: its Valid status; a VoiceModel naming a missing Lexicon says LexiconNotFound
and creates nothing until it exists; a Lexicon edit reaches the RayService's ingress user_config only (the
Ray cluster and the app's args unchanged: Serve reconfigures the live replicas, none restarts)."""

from __future__ import annotations

from typing import Any

import yaml
from opkit import NS, Cluster, FakeKubeRay, voicemodel

from voxray_operator import k8s


def lexicon(name: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "Lexicon",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"entries": list(entries)},
    }


def ingress(rs: dict[str, Any]) -> dict[str, Any]:
    config = yaml.safe_load(rs["spec"]["serveConfigV2"])
    return dict(config["applications"][0]["deployments"][0])


def app_args(rs: dict[str, Any]) -> dict[str, Any]:
    return dict(yaml.safe_load(rs["spec"]["serveConfigV2"])["applications"][0]["args"])


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


async def test_lexicon_status_and_the_voicemodels_naming_it(
    cluster: Cluster, kuberay: FakeKubeRay, operator: object
) -> None:
    await cluster.create(k8s.VOICEMODELS, voicemodel("tts-lex", lexicons=["brand"]))
    vm = await cluster.wait_phase(k8s.VOICEMODELS, "tts-lex", "Failed")
    failed = condition(vm, "ValidationFailed")
    assert failed["reason"] == "LexiconNotFound"
    assert failed["message"].startswith("spec.lexicons.0: Lexicon 'brand' was not found in the namespace")
    assert await cluster.get(k8s.RAYSERVICES, "tts-lex") is None

    qasr = {"text": "Qasr", "language": "en", "alias": "Kasr"}
    await cluster.create(k8s.LEXICONS, lexicon("brand", qasr))
    lex = await cluster.wait_for(k8s.LEXICONS, "brand", lambda o: "conditions" in (o.get("status") or {}))
    valid = condition(lex, "Valid")
    assert (valid["status"], valid["reason"], valid["observedGeneration"]) == ("True", "Valid", 1)
    assert lex["status"]["entries"] == 1
    assert lex["status"]["version"].startswith("sha256:")

    # the Lexicon's creation reconciles the VoiceModel: its RayService carries the entries
    rs = await cluster.wait_for(k8s.RAYSERVICES, "tts-lex", lambda o: True, what="RayService")
    assert ingress(rs)["user_config"]["lexicons"]["tts-lex"]["entries"] == [{**qasr, "caseSensitive": False}]
    vm = await cluster.wait_phase(k8s.VOICEMODELS, "tts-lex", "Ready")
    assert condition(vm, "ValidationFailed")["status"] == "False"

    # an edit reaches user_config alone: same cluster, same app args
    before = rs
    changed = {**qasr, "alias": "Kassr"}
    await cluster.api.patch(k8s.LEXICONS, NS, "brand", {"spec": {"entries": [changed]}})
    rs = await cluster.wait_for(
        k8s.RAYSERVICES,
        "tts-lex",
        lambda o: ingress(o)["user_config"]["lexicons"]["tts-lex"]["entries"][0]["alias"] == "Kassr",
        what="the new alias in user_config",
    )
    assert rs["spec"]["rayClusterConfig"] == before["spec"]["rayClusterConfig"]
    assert app_args(rs) == app_args(before)
    assert {k: v for k, v in ingress(rs).items() if k != "user_config"} == {
        k: v for k, v in ingress(before).items() if k != "user_config"
    }

    # entries the schema admits but the model refuses (the same word twice): Valid False, the field named
    await cluster.api.patch(
        k8s.LEXICONS, NS, "brand", {"spec": {"entries": [qasr, {**qasr, "text": "QASR"}]}}
    )
    lex = await cluster.wait_for(
        k8s.LEXICONS, "brand", lambda o: condition(o, "Valid")["status"] == "False", what="Valid False"
    )
    assert condition(lex, "Valid")["reason"] == "Invalid"
    assert condition(lex, "Valid")["message"].startswith("spec: entries[1] ('QASR', en) repeats entries[0]")
    assert "version" not in lex["status"]
