"""KubeRay v1.7 options of the cluster kinds: a served model's upgrade strategy, a batch's deletion rules.

They mirror KubeRay's own fields and the checks its controller makes (``ray-operator/controllers/ray/
utils/validation.go``: ``ValidateRayServiceSpec`` / ``ValidateClusterUpgradeOptions`` and
``validateDeletionConfiguration``) so that a spec KubeRay would refuse is refused here first, with the
field named. Local runs (``voxray serve`` / ``voxray batch``) ignore them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from voxray_runtime.spec.common import SpecModel

#: KubeRay's RayService ``upgradeStrategy.type`` values (v1.7)
UpgradeStrategy = Literal["NewClusterWithIncrementalUpgrade", "NewCluster", "None"]
INCREMENTAL = "NewClusterWithIncrementalUpgrade"
#: a Kubernetes object name (DNS-1123 subdomain): a GatewayClass, a LocalQueue, a WorkloadPriorityClass
OBJECT_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
#: a name that is also a label value (Kueue reads the queue and priority class from labels)
LABEL_NAME = r"^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"
INT32_MAX = 2**31 - 1


class IncrementalUpgradeSpec(SpecModel):
    """KubeRay's ``clusterUpgradeOptions``: the new cluster grows and takes traffic step by step through a
    Gateway API route, so an upgrade does not need twice the GPUs at once."""

    #: the GatewayClass of the Gateway KubeRay makes for the model (istio, envoy-gateway, gke-l7-rilb...)
    gateway_class_name: str = Field(min_length=1, max_length=253, pattern=OBJECT_NAME)
    #: percent of the traffic moved to the new cluster at each step (at most maxSurgePercent)
    step_size_percent: int = Field(ge=0, le=100)
    #: seconds between two steps
    interval_seconds: int = Field(ge=1, le=INT32_MAX)
    #: percent of the old cluster's capacity the new one may add at a time (KubeRay's default: 100)
    max_surge_percent: int = Field(default=100, ge=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> IncrementalUpgradeSpec:
        if self.step_size_percent > self.max_surge_percent:
            raise ValueError(
                f"stepSizePercent ({self.step_size_percent}) must be less than or equal to "
                f"maxSurgePercent ({self.max_surge_percent})"
            )
        return self


class UpgradeSpec(SpecModel):
    """How KubeRay rolls out a change of the model's Ray cluster (image, resources, weights...)."""

    #: NewCluster (KubeRay's default): a whole new cluster, then all traffic at once (twice the GPUs for a
    #: while); NewClusterWithIncrementalUpgrade: traffic and capacity move step by step (needs the Gateway
    #: API and KubeRay's RayServiceIncrementalUpgrade feature gate, on by default in v1.7); None: no new
    #: cluster (changes to the cluster are not rolled out)
    strategy: UpgradeStrategy = "NewCluster"
    #: the steps of NewClusterWithIncrementalUpgrade (required with it, refused with the others)
    incremental: IncrementalUpgradeSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> UpgradeSpec:
        if self.strategy == INCREMENTAL and self.incremental is None:
            raise ValueError(
                "upgrade.incremental (gatewayClassName, stepSizePercent, intervalSeconds) is required "
                "for strategy NewClusterWithIncrementalUpgrade"
            )
        if self.strategy != INCREMENTAL and self.incremental is not None:
            raise ValueError(
                f"upgrade.incremental applies to strategy NewClusterWithIncrementalUpgrade only "
                f"(strategy is {self.strategy})"
            )
        return self


#: what KubeRay deletes once the job ended (``DeleteSelf`` is not offered: the SpeechBatch owns its RayJob)
DeletionPolicy = Literal["DeleteCluster", "DeleteWorkers", "DeleteNone"]


class DeletionRuleSpec(SpecModel):
    #: DeleteCluster: the whole Ray cluster; DeleteWorkers: the workers (and their GPUs), the head (logs,
    #: dashboard) stays until retention.ttlSecondsAfterFinished; DeleteNone: nothing (the cluster stays
    #: until the SpeechBatch is deleted)
    policy: DeletionPolicy
    #: seconds after the job ended; default: on success the operator's batch cluster TTL (at most
    #: retention.ttlSecondsAfterFinished), on failure retention.ttlSecondsAfterFinished (kept for debugging)
    after_seconds: int | None = Field(default=None, ge=0, le=INT32_MAX)


class DeletionSpec(SpecModel):
    """Cluster only, on the batch's own Ray cluster: KubeRay's RayJob ``deletionStrategy.deletionRules``.

    Default (also when this block is absent and the operator's ``batchDeletion`` is Rules): the cluster of
    a batch that succeeded is deleted after the operator's batch cluster TTL, that of a batch that failed
    is kept for debugging for ``retention.ttlSecondsAfterFinished`` and then deleted. KubeRay v1.7 runs
    these rules with its RayJobDeletionPolicy feature gate (beta, on by default); they replace
    ``shutdownAfterJobFinishes`` and ``ttlSecondsAfterFinished`` (KubeRay refuses both together).
    """

    #: when the job succeeded (KubeRay jobStatus SUCCEEDED)
    on_success: DeletionRuleSpec = DeletionRuleSpec(policy="DeleteCluster")
    #: when the job failed (jobStatus FAILED, or the deployment Failed: submission, deadline)
    on_failure: DeletionRuleSpec = DeletionRuleSpec(policy="DeleteCluster")
