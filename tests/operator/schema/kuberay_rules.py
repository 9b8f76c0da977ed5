"""KubeRay v1.7's controller-side validation of the fields voxray sets, ported from Go as a test oracle.

Source: ray-project/kuberay ``ray-operator/controllers/ray/utils/validation.go`` at the commit the CRD
schemas come from (v1.7.0 + 5, see ../shared/schemas/kuberay/README.md): ``ValidateRayServiceSpec`` /
``ValidateClusterUpgradeOptions`` (upgrade strategy), ``ValidateRayJobSpec`` /
``validateDeletionConfiguration`` / ``validateDeletionRules`` / ``validateTTLConsistency`` (suspend,
clusterSelector, deletion strategy). The CRD's own CEL rules on ``deletionStrategy`` are included. What is
not voxray's business (TLS, GCS, network policy...) is left out. An object KubeRay would mark
``ValidationFailed`` gives at least one message here, worded as KubeRay words it.
"""

from __future__ import annotations

from typing import Any

UPGRADE_TYPES = ("NewClusterWithIncrementalUpgrade", "NewCluster", "None")
#: Workers <= Cluster <= Self: TTLs must not decrease along this order for one condition
DELETION_ORDER = ("DeleteWorkers", "DeleteCluster", "DeleteSelf")


def _autoscaling(cluster: dict[str, Any] | None) -> bool:
    return bool((cluster or {}).get("enableInTreeAutoscaling"))


def rayservice_errors(rayservice: dict[str, Any]) -> list[str]:
    spec = rayservice["spec"]
    strategy = spec.get("upgradeStrategy")
    if not strategy or strategy.get("type") is None:
        return []
    kind = strategy["type"]
    if kind not in UPGRADE_TYPES:
        return [f"Spec.UpgradeStrategy.Type value {kind} is invalid"]
    if kind != "NewClusterWithIncrementalUpgrade":
        return []
    if not _autoscaling(spec.get("rayClusterConfig")):
        return ["Ray Autoscaler is required for NewClusterWithIncrementalUpgrade"]
    options = strategy.get("clusterUpgradeOptions")
    if options is None:
        return ["ClusterUpgradeOptions are required for NewClusterWithIncrementalUpgrade"]
    surge = options.get("maxSurgePercent", 100)  # the CRD's default
    step = options.get("stepSizePercent")
    interval = options.get("intervalSeconds")
    if not 0 <= surge <= 100:
        return ["maxSurgePercent must be between 0 and 100"]
    if step is None or not 0 <= step <= 100:
        return ["stepSizePercent must be between 0 and 100"]
    if step > surge:
        return ["stepSizePercent must be less than or equal to maxSurgePercent"]
    if interval is None or interval <= 0:
        return ["intervalSeconds must be greater than 0"]
    if not options.get("gatewayClassName"):
        return ["gatewayClassName is required for NewClusterWithIncrementalUpgrade"]
    return []


def _deletion_cel(strategy: dict[str, Any]) -> list[str]:
    out = []
    legacy = "onSuccess" in strategy or "onFailure" in strategy
    if legacy and "deletionRules" in strategy:
        out.append("legacy policies (onSuccess/onFailure) and deletionRules cannot be used together")
    if not (("onSuccess" in strategy and "onFailure" in strategy) or "deletionRules" in strategy):
        out.append(
            "deletionStrategy requires either BOTH onSuccess and onFailure, OR the deletionRules field"
        )
    for rule in strategy.get("deletionRules") or []:
        cond = rule.get("condition") or {}
        if ("jobStatus" in cond) == ("jobDeploymentStatus" in cond):
            out.append("exactly one of JobStatus and JobDeploymentStatus must be set")
    return out


def _deletion_rules(job: dict[str, Any]) -> list[str]:
    spec = job["spec"]
    selector = bool(spec.get("clusterSelector"))
    out: list[str] = []
    by_condition: dict[tuple[str, str], dict[str, int]] = {}
    for i, rule in enumerate(spec["deletionStrategy"]["deletionRules"]):
        cond, policy = rule["condition"], rule["policy"]
        if cond.get("ttlSeconds", 0) < 0:
            out.append(f"deletionRules[{i}]: TTLSeconds must be non-negative")
            continue
        if selector and policy in ("DeleteCluster", "DeleteWorkers"):
            out.append(
                f"deletionRules[{i}]: DeletionPolicyType '{policy}' not supported when ClusterSelector is set"
            )
            continue
        if _autoscaling(spec.get("rayClusterSpec")) and policy == "DeleteWorkers":
            out.append(
                f"deletionRules[{i}]: DeletionPolicyType 'DeleteWorkers' not supported with autoscaling"
            )
            continue
        key = (
            ("JobStatus", cond["jobStatus"])
            if "jobStatus" in cond
            else ("JobDeploymentStatus", cond["jobDeploymentStatus"])
        )
        policies = by_condition.setdefault(key, {})
        if policy in policies:
            out.append(
                f"deletionRules[{i}]: duplicate rule for DeletionPolicyType '{policy}' and {key[0]} '{key[1]}'"
            )
            continue
        policies[policy] = cond.get("ttlSeconds", 0)
    for (ctype, value), policies in by_condition.items():
        previous: tuple[str, int] | None = None
        for policy in DELETION_ORDER:
            if policy not in policies:
                continue
            if previous is not None and policies[policy] < previous[1]:
                out.append(f"for {ctype} '{value}': {policy} TTL must be >= {previous[0]} TTL")
            previous = (policy, policies[policy])
    return out


def rayjob_errors(job: dict[str, Any]) -> list[str]:
    spec = job["spec"]
    suspend = bool(spec.get("suspend"))
    shutdown = bool(spec.get("shutdownAfterJobFinishes"))
    selector = spec.get("clusterSelector") or {}
    if suspend and not shutdown:
        return ["a RayJob with shutdownAfterJobFinishes set to false is not allowed to be suspended"]
    if spec.get("ttlSecondsAfterFinished", 0) < 0:
        return ["TTLSecondsAfterFinished must be a non-negative integer"]
    if not shutdown and spec.get("ttlSecondsAfterFinished", 0) > 0:
        return ["a RayJob with shutdownAfterJobFinishes set to false cannot have TTLSecondsAfterFinished"]
    strategy = spec.get("deletionStrategy")
    if strategy is not None:
        cel = _deletion_cel(strategy)
        if cel:
            return cel
        rules = bool(strategy.get("deletionRules"))
        if rules and shutdown:
            return [
                "spec.shutdownAfterJobFinishes and spec.deletionStrategy.deletionRules are mutually exclusive"
            ]
        if rules:
            errs = _deletion_rules(job)
            if errs:
                return errs
    if suspend and selector:
        return ["the ClusterSelector mode doesn't support the suspend operation"]
    if spec.get("rayClusterSpec") is None and not selector:
        return ["one of RayClusterSpec or ClusterSelector must be set"]
    if selector:
        if not selector.get("ray.io/cluster"):
            return ["cluster name in ClusterSelector should not be empty"]
        if (spec.get("backoffLimit") or 0) > 0:
            return ["BackoffLimit is incompatible with ClusterSelector mode"]
    if spec.get("activeDeadlineSeconds") is not None and spec["activeDeadlineSeconds"] <= 0:
        return ["activeDeadlineSeconds must be a positive integer"]
    return []


def kueue_errors(job: dict[str, Any]) -> list[str]:
    """Kueue's RayJob integration limits (kueue.sigs.k8s.io/docs/tasks/run/rayjobs/#c-limitations) and its
    expectation that a queued job is created suspended."""
    labels = job["metadata"].get("labels") or {}
    if "kueue.x-k8s.io/queue-name" not in labels:
        return []
    spec = job["spec"]
    out = []
    if spec.get("clusterSelector"):
        out.append("a Kueue-managed RayJob cannot use an existing RayCluster")
    if not spec.get("shutdownAfterJobFinishes"):
        out.append("a Kueue-managed RayJob must delete its cluster at the end (shutdownAfterJobFinishes)")
    if _autoscaling(spec.get("rayClusterSpec")):
        out.append("a Kueue-managed RayJob cannot use the in-tree autoscaler")
    if len((spec.get("rayClusterSpec") or {}).get("workerGroupSpecs") or []) > 7:
        out.append("a Kueue-managed RayJob has at most 7 worker groups")
    if spec.get("suspend") is not True:
        out.append("a queued RayJob is created suspended")
    return out
