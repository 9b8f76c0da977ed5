"""The chart renders with every value set, lints strictly, and every object it renders is valid:
built-in kinds against Kubernetes' own schemas (kubernetes-validate, strict: unknown fields fail),
voxray custom resources against our CRDs and the operator's pydantic models, Prometheus Operator
objects against models generated from its CRDs."""

from __future__ import annotations

from typing import Any

import pytest
from delivery_lib import CHART, KUBE_VERSION, by_kind, crd_errors, helm, render, render_files, value_sets

VALUE_SETS = value_sets()
BUILTIN_GROUPS = ("v1", "apps/v1", "rbac.authorization.k8s.io/v1", "networking.k8s.io/v1", "policy/v1")
#: the oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest the validator knows
KUBE_VERSIONS = ("1.27.0", "1.37.0")


@pytest.fixture(params=sorted(VALUE_SETS), ids=str)
def values(request: pytest.FixtureRequest) -> dict[str, Any]:
    return VALUE_SETS[request.param]


def test_value_sets_cover_every_optional_object() -> None:
    kinds = {d["kind"] for v in VALUE_SETS.values() for d in render(v)}
    assert {
        "Deployment",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceMonitor",
        "PodMonitor",
        "PrometheusRule",
        "ConfigMap",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "Secret",
        "Ingress",
        "VoiceModel",
        "SpeechBatch",
    } <= kinds


def test_lint_strict(values: dict[str, Any]) -> None:
    report = helm().lint(str(CHART), values, strict=True, kube_version=f"v{KUBE_VERSION}")
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    assert not problems, problems


def test_builtin_objects_validate_strictly(values: dict[str, Any]) -> None:
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is not installed; the dev extra has it"
    )

    docs = [d for d in render(values) if d["apiVersion"] in BUILTIN_GROUPS]
    assert docs
    for version in KUBE_VERSIONS:
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{doc['kind']} {doc['metadata']['name']} on Kubernetes {version}: {exc.message}")


def test_every_rendered_object_is_a_known_kind(values: dict[str, Any]) -> None:
    for doc in render(values):
        assert doc["apiVersion"] in (*BUILTIN_GROUPS, "monitoring.coreos.com/v1", "voxray.io/v1alpha1"), doc[
            "kind"
        ]


def test_voxray_resources_match_crds_and_operator_models(values: dict[str, Any]) -> None:
    from voxray_operator.api import SpeechBatch, TextModel, TranscriptionModel, VoiceModel

    for doc in render(values):
        if doc["apiVersion"] != "voxray.io/v1alpha1":
            continue
        assert not crd_errors(doc), crd_errors(doc)
        models = {"VoiceModel": VoiceModel, "TextModel": TextModel, "TranscriptionModel": TranscriptionModel}
        model = models.get(doc["kind"], SpeechBatch)
        model.model_validate(doc)  # the pydantic validators the CRD's CEL rules mirror


def _strict(schema: Any) -> Any:
    """additionalProperties: false on every object with properties (the models themselves allow extras)."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def test_prometheus_operator_objects_match_their_crds(values: dict[str, Any]) -> None:
    monitoring = [d for d in render(values) if d["apiVersion"] == "monitoring.coreos.com/v1"]
    if not monitoring:
        return
    v1 = pytest.importorskip(
        "cloudcoil.models.prometheus_operator.v1",
        reason="cloudcoil-models-prometheus-operator (models generated from the Prometheus Operator CRDs) "
        "is not installed",
    )
    import jsonschema

    for doc in monitoring:
        model = getattr(v1, doc["kind"])
        model.model_validate(doc)
        schema = _strict(model.model_json_schema(by_alias=True))
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)
        ]
        assert not errors, (doc["kind"], errors)


def test_namespaced_mode_grants_only_the_watched_namespaces() -> None:
    docs = render(VALUE_SETS["namespaced-values"])
    watched = VALUE_SETS["namespaced-values"]["operator"]["watchNamespaces"]
    assert sorted(r["metadata"]["namespace"] for r in by_kind(docs, "Role")) == sorted(watched)
    assert sorted(b["metadata"]["namespace"] for b in by_kind(docs, "RoleBinding")) == sorted(watched)
    (cluster_role,) = by_kind(docs, "ClusterRole")
    resources = {r for rule in cluster_role["rules"] for r in rule["resources"]}
    assert resources == {"customresourcedefinitions", "namespaces"}, (
        "namespaced mode must not grant cluster-wide"
    )
    env = {
        e["name"]: e.get("value")
        for e in by_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["VOXRAY_OPERATOR_NAMESPACES"] == '["tts-a","tts-b"]'


def test_cluster_mode_uses_cluster_roles() -> None:
    docs = render({})
    assert not by_kind(docs, "Role")
    assert len(by_kind(docs, "ClusterRole")) == 2


def test_notes_render_for_every_value_set(values: dict[str, Any]) -> None:
    notes = render_files(values)["voxray/templates/NOTES.txt"]
    assert "kubectl" in notes
    assert "<no value>" not in notes


def test_no_template_leaves_no_value_behind(values: dict[str, Any]) -> None:
    for path, text in render_files(values).items():
        assert "<no value>" not in text, path


def test_schema_rejects_unknown_and_wrong_values() -> None:
    chart = helm().Chart.load(str(CHART))
    for bad in (
        {"unknownKey": 1},
        {"operator": {"replicaCount": 2}},
        {"operator": {"watchNamespaces": ["Not_A_Namespace"]}},
        {"operator": {"logLevel": "chatty"}},
        {"runtime": {"rayVersion": "latest"}},
        {"voiceModels": {"m": {"replicas": {"min": 1}}}},
    ):
        with pytest.raises(helm().HelmError):
            chart.render(bad, name="voxray", namespace="x", is_install=True)
