"""The operator pod is hardened in every value set (restricted Pod Security Standard), probes and
resources are set, at most one operator runs, and the NetworkPolicy opens only what it says."""

from __future__ import annotations

from typing import Any

import pytest
from delivery_lib import by_kind, one, render, value_sets

VALUE_SETS = value_sets()


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_operator_pod_is_hardened(name: str) -> None:
    deployment = one(render(VALUE_SETS[name]), "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for container in pod["containers"]:
        sc = container["securityContext"]
        assert sc["runAsNonRoot"] is True
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert "add" not in sc["capabilities"]
        assert sc["seccompProfile"]["type"] == "RuntimeDefault"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["port"] == "health"
        assert container["resources"]["requests"]
        assert container["resources"]["limits"]["memory"]
        assert not container["image"].endswith(":latest")
        assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"])  # the one writable path
    assert not pod.get("hostNetwork")
    assert not pod.get("hostPID")
    assert deployment["spec"]["replicas"] <= 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"


def _egress_ports(policy: dict[str, Any]) -> set[int | str]:
    return {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}


def test_network_policy_allows_only_what_the_operator_needs() -> None:
    values = {"networkPolicy": {"enabled": True, "apiServerCIDRs": ["10.0.0.1/32"]}}
    policy = one(render(values), "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert _egress_ports(policy) == {53, 443, 6443, 9090, 8265}
    api = next(r for r in policy["spec"]["egress"] if {p["port"] for p in r["ports"]} == {443, 6443})
    assert api["to"] == [{"ipBlock": {"cidr": "10.0.0.1/32"}}]
    ingress_ports = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
    assert ingress_ports == {"metrics", "health"}
    metrics = next(r for r in policy["spec"]["ingress"] if r["ports"][0]["port"] == "metrics")
    assert metrics["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "monitoring"
    }


def test_network_policy_reaches_ray_dashboards_only_in_watched_namespaces() -> None:
    values = {"networkPolicy": {"enabled": True}, "operator": {"watchNamespaces": ["tts"]}}
    policy = one(render(values), "NetworkPolicy")
    ray = next(r for r in policy["spec"]["egress"] if r["ports"][0]["port"] == 8265)
    (peer,) = ray["to"]
    assert peer["namespaceSelector"]["matchExpressions"][0]["values"] == ["tts"]
    assert peer["podSelector"]["matchLabels"] == {"app.kubernetes.io/managed-by": "voxray-operator"}


def test_audio_pvc_is_kept_on_uninstall() -> None:
    pvc = one(render(VALUE_SETS["samples-values"]), "PersistentVolumeClaim")
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert pvc["metadata"]["name"] == "voxray-audio"
    claims = {
        d["spec"]["output"].get("volumeClaim")
        for d in render(VALUE_SETS["samples-values"])
        if d["kind"] in ("VoiceModel", "SpeechBatch")
    }
    assert claims == {"voxray-audio"}


def test_monitoring_selects_what_the_operator_builds() -> None:
    from voxray_operator.builders.cluster import METRICS_PORT
    from voxray_operator.builders.common import MANAGED_BY, VOICEMODEL_LABEL, common_labels

    docs = render(VALUE_SETS["observability-values"])
    pod_monitor = one(docs, "PodMonitor")
    selector = pod_monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= common_labels("voicemodel", voicemodel="m").items()
    assert selector["app.kubernetes.io/managed-by"] == MANAGED_BY
    (endpoint,) = pod_monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics"
    assert METRICS_PORT == 8080
    sources = {r["sourceLabels"][0] for r in endpoint["relabelings"]}
    assert "__meta_kubernetes_pod_label_" + VOICEMODEL_LABEL.replace(".", "_").replace("/", "_") in sources
    service = one(docs, "Service")
    monitor = one(docs, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    # the operator's labels never clash with target labels (test_metric_names): Prometheus keeps its own
    assert "honorLabels" not in monitor["spec"]["endpoints"][0]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert by_kind(docs, "PrometheusRule")
