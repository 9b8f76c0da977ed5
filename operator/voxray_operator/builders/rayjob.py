"""SpeechBatch -> KubeRay RayJob running ``voxray batch``, and the ConfigMap carrying the document.

How the document reaches the driver: KubeRay's submitter pod (K8sJobMode) runs ``ray job submit`` and
the driver runs on the Ray head. The submitter mounts one projected volume at ``/etc/voxray/batch``
(``speechbatch.yaml`` from our ConfigMap, plus ``input/{name}/{key}`` from the user's input ConfigMap)
and the RayJob's runtime env names that folder as ``working_dir``: ``ray job submit`` uploads it and the
driver starts inside it. This works the same on a dedicated cluster and on a VoiceModel's running
cluster, whose pods we cannot add volumes to.

``runOn.voiceModel``: KubeRay's ``clusterSelector`` is not a label selector: it reads the RayCluster
*name* from the key ``ray.io/cluster``. The RayService's cluster name is generated
(``{rayservice}-raycluster-xxxxx``) and changes on upgrades, so the handler passes the current one
(``status.activeServiceStatus.rayClusterName`` of the VoiceModel's RayService). In that mode the RayJob
must never delete the cluster: ``shutdownAfterJobFinishes`` is false, and ``backoffLimit`` is left out
because a KubeRay retry deletes the RayJob's cluster, which would be the VoiceModel's.

A dedicated cluster's clean-up (:func:`dedicated_deletion`): KubeRay's ``deletionRules`` (``spec.deletion``
or the operator's ``batch_deletion`` Rules: deleted on success, kept for debugging on failure), else
``shutdownAfterJobFinishes`` with its TTL. ``spec.queueName`` (Kueue): the RayJob gets Kueue's queue (and
priority) labels and ``suspend: true``; Kueue unsuspends it on admission. KubeRay suspends only a RayJob with
``shutdownAfterJobFinishes`` (which excludes rules) and never in clusterSelector mode: such specs are refused
by :func:`~voxray_operator.builders.validation.validate_batch_cluster_options`. Once created the RayJob is
never patched (see :mod:`voxray_operator.reconcile.speechbatch`), so Kueue owns ``suspend``.

Validation first (:func:`~voxray_operator.builders.validation.validate_rayjob`: what the batch refers to,
with a reason and message), then a build that cannot fail (:func:`assemble_rayjob`); :func:`build_rayjob`
does both. A dedicated cluster is assembled by :mod:`.cluster` from a plan made of :mod:`.workload` pieces.

Audit: the driver's audit events name the SpeechBatch (``VOXRAY_BATCH_ACTOR=speechbatch:<ns>/<name>``, in
the job's runtime env, which reaches the driver on either cluster, and on the submitter and the dedicated
head). The key of their text hashes: :func:`voxray_operator.builders.security.batch_audit_key`, mounted
read-only, mode 0400, on the dedicated head at the path the runtime reads.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Mapping
from typing import Any

import yaml

from voxray_operator.builders.batchconfig import BATCH_SPEC_KEY, batch_configmap_name
from voxray_operator.builders.cluster import ClusterPlan, ray_cluster_spec
from voxray_operator.builders.common import (
    SPEC_HASH_ANNOTATION,
    VOICEMODEL_LABEL,
    common_labels,
    container_security_context,
    dns1035_name,
    label_value,
    metadata,
    pod_security_context,
    spec_hash,
    unaliased,
)
from voxray_operator.builders.generate import GenerationTarget
from voxray_operator.builders.object_output import is_object_path, object_store_env
from voxray_operator.builders.validation import DedicatedCluster, OnVoiceModel, RayJobInput, validate_rayjob
from voxray_operator.builders.workload import (
    gpu_scheduling,
    group_name,
    join_volumes,
    pod_volumes,
    runtime_env,
    shared_worker_resources,
    uses_gpu,
)
from voxray_operator.config import BuildSettings
from voxray_runtime.spec.kuberay import DeletionSpec
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: where the SpeechBatch document is mounted in the submitter pod (uploaded as the job's working_dir)
BATCH_SPEC_DIR = "/etc/voxray/batch"
#: the user's input ConfigMap, relative to the working dir (the runtime reads VOXRAY_BATCH_INPUT_DIR)
BATCH_INPUT_DIR = "input"
#: KubeRay reads the target RayCluster's *name* from this clusterSelector key (not a label selector)
CLUSTER_SELECTOR_KEY = "ray.io/cluster"
#: mount path of the output PVC on a dedicated batch cluster
BATCH_OUTPUT_MOUNT = "/data/audio"
MAX_RAYJOB_NAME = 47
#: who the batch driver's audit events name (voxray_runtime.batch.audit.ACTOR_ENV)
ACTOR_ENV = "VOXRAY_BATCH_ACTOR"
COMPONENT = "speechbatch"
#: Kueue reads a job's LocalQueue and WorkloadPriorityClass from these labels
KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
KUEUE_PRIORITY_LABEL = "kueue.x-k8s.io/priority-class"
#: the RayJob's spec fields in the order they are written
_SPEC_ORDER = (
    "entrypoint",
    "runtimeEnvYAML",
    "submissionMode",
    "clusterSelector",
    "suspend",
    "shutdownAfterJobFinishes",
    "ttlSecondsAfterFinished",
    "deletionStrategy",
    "backoffLimit",
    "activeDeadlineSeconds",
    "rayClusterSpec",
    "submitterPodTemplate",
)


def rayjob_name(speechbatch: str) -> str:
    """The RayJob of SpeechBatch ``speechbatch`` (same name when it is a short DNS-1035 label)."""
    return dns1035_name(speechbatch, MAX_RAYJOB_NAME)


def batch_actor(name: str, namespace: str) -> str:
    """The actor of the batch's audit events: the SpeechBatch (its creator is in the API server's log)."""
    return f"speechbatch:{namespace}/{name}"


def _spec_volume(name: str, spec: SpeechBatchSpec) -> dict[str, Any]:
    sources: list[dict[str, Any]] = [
        {
            "configMap": {
                "name": batch_configmap_name(name),
                "items": [{"key": BATCH_SPEC_KEY, "path": BATCH_SPEC_KEY}],
            }
        }
    ]
    cm = spec.input.config_map if spec.input is not None else None
    if cm is not None:
        path = posixpath.join(BATCH_INPUT_DIR, cm.name, cm.key)
        sources.append({"configMap": {"name": cm.name, "items": [{"key": cm.key, "path": path}]}})
    return {"name": "batch-spec", "projected": {"sources": sources}}


def _submitter_template(
    name: str, spec: SpeechBatchSpec, image: str, settings: BuildSettings, actor: str
) -> dict[str, Any]:
    container = {
        "name": "ray-job-submitter",
        "image": image,
        "imagePullPolicy": settings.image_pull_policy,
        "env": [{"name": "RAY_USAGE_STATS_ENABLED", "value": "0"}, {"name": ACTOR_ENV, "value": actor}],
        "resources": {
            "requests": {"cpu": "200m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
        "volumeMounts": [{"name": "batch-spec", "mountPath": BATCH_SPEC_DIR, "readOnly": True}],
        "securityContext": container_security_context(),
    }
    pod: dict[str, Any] = {
        "restartPolicy": "Never",
        "securityContext": pod_security_context(),
        "automountServiceAccountToken": False,
        "containers": [container],
        "volumes": [_spec_volume(name, spec)],
    }
    if settings.service_account_name:
        pod["serviceAccountName"] = settings.service_account_name
    return {"metadata": {"labels": common_labels(COMPONENT, speechbatch=name)}, "spec": pod}


def _out_path(mount: str, path: str) -> str:
    """``spec.output.path`` inside the volume mounted at ``mount``."""
    if path == mount or path.startswith(mount.rstrip("/") + "/"):
        return path
    return posixpath.join(mount, path.lstrip("/"))


def _runtime_env(actor: str, extra: Mapping[str, str] | None = None) -> str:
    """The job's runtime env: the driver's working dir and environment, on either kind of cluster."""
    env = {
        "working_dir": BATCH_SPEC_DIR,
        "env_vars": {
            "VOXRAY_BATCH_INPUT_DIR": BATCH_INPUT_DIR,
            "RAY_USAGE_STATS_ENABLED": "0",
            "PYTHONUNBUFFERED": "1",
            ACTOR_ENV: actor,
            **(extra or {}),
        },
    }
    return yaml.safe_dump(env, sort_keys=False)


def dedicated_image(job: RayJobInput, settings: BuildSettings) -> str:
    """``runOn.image``, else the first of the batch's VoiceModels that names one, else the settings'."""
    images = [m.image for m in job.voice_models.values() if m.image]
    return job.spec.run_on.image or (images[0] if images else settings.image)


def dedicated_cluster_plan(
    job: RayJobInput, cluster: DedicatedCluster, image: str, settings: BuildSettings
) -> ClusterPlan:
    """The batch's own Ray cluster: ``runOn.workers`` fixed worker pods able to run any of its VoiceModels
    (none: the head does the work); the driver's actor, audit key and TextModel key on the head only."""
    models = list(job.voice_models.values())
    workers = job.spec.run_on.workers
    volumes, mounts = pod_volumes(
        settings, weights=cluster.weights_claim, output=(job.spec.output.volume_claim, BATCH_OUTPUT_MOUNT)
    )
    head_volumes, head_mounts = join_volumes(
        job.audit.volumes(), job.generation.volumes() if job.generation is not None else ([], [])
    )
    node_selector, tolerations = gpu_scheduling(models, settings)
    env = runtime_env("pvc" if cluster.weights_claim else "packaged", BATCH_OUTPUT_MOUNT)
    return ClusterPlan(
        labels=common_labels(COMPONENT, speechbatch=job.name),
        image=image,
        env=env + object_store_env(job.spec.output.path, job.spec.output.s3),
        volumes=volumes,
        mounts=mounts,
        worker_resources=shared_worker_resources(models),
        node_selector=node_selector,
        tolerations=tolerations,
        group_name=group_name(any(uses_gpu(m) for m in models)),
        pods=workers,
        min_pods=workers,
        max_pods=workers,
        autoscaler=False,
        head_env=[{"name": ACTOR_ENV, "value": batch_actor(job.name, job.namespace)}],
        head_volumes=head_volumes,
        head_mounts=head_mounts,
    )


def kueue_labels(spec: SpeechBatchSpec) -> dict[str, str]:
    """The labels that put the RayJob in Kueue's LocalQueue ``spec.queueName`` (with its priority)."""
    labels = {KUEUE_QUEUE_LABEL: spec.queue_name} if spec.queue_name else {}
    if spec.workload_priority_class:
        labels[KUEUE_PRIORITY_LABEL] = spec.workload_priority_class
    return labels


def _rules(condition: dict[str, Any], policy: str, ttl: int, retention: int) -> list[dict[str, Any]]:
    """The rules of one outcome; DeleteWorkers is followed by DeleteCluster once the retention is over
    (KubeRay wants Workers <= Cluster TTLs for one condition), so a kept head does not outlive it."""
    rules = [{"condition": {**condition, "ttlSeconds": ttl}, "policy": policy}]
    if policy == "DeleteWorkers":
        later = max(ttl, retention)
        rules.append({"condition": {**condition, "ttlSeconds": later}, "policy": "DeleteCluster"})
    return rules


def deletion_rules(spec: SpeechBatchSpec, settings: BuildSettings) -> list[dict[str, Any]]:
    """KubeRay's ``deletionRules`` of ``spec.deletion`` (its defaults when absent): on success after the
    operator's cluster TTL (or ``afterSeconds``); on failure (jobStatus FAILED, or a deployment that
    Failed before the job ran: submission, deadline) after ``retention.ttlSecondsAfterFinished``."""
    deletion = spec.deletion or DeletionSpec()
    retention = spec.retention.ttl_seconds_after_finished
    success = deletion.on_success.after_seconds
    if success is None:
        success = min(retention, settings.batch_cluster_ttl_seconds)
    failure = deletion.on_failure.after_seconds
    if failure is None:
        failure = retention
    on_failure = deletion.on_failure.policy
    return [
        *_rules({"jobStatus": "SUCCEEDED"}, deletion.on_success.policy, success, retention),
        *_rules({"jobStatus": "FAILED"}, on_failure, failure, retention),
        *_rules({"jobDeploymentStatus": "Failed"}, on_failure, failure, retention),
    ]


def dedicated_deletion(spec: SpeechBatchSpec, settings: BuildSettings) -> dict[str, Any]:
    """How KubeRay deletes the batch's own cluster: ``deletionRules`` (``spec.deletion``, or the operator's
    ``batch_deletion`` Rules), which KubeRay requires without ``shutdownAfterJobFinishes`` and its TTL; else,
    and always for a queued batch (a suspended RayJob needs ``shutdownAfterJobFinishes``), deleted
    ``ttlSecondsAfterFinished`` after the job."""
    rules = spec.deletion is not None or settings.batch_deletion == "Rules"
    if rules and not spec.queue_name:
        return {
            "shutdownAfterJobFinishes": False,
            "deletionStrategy": {"deletionRules": deletion_rules(spec, settings)},
        }
    ttl = min(spec.retention.ttl_seconds_after_finished, settings.batch_cluster_ttl_seconds)
    return {"shutdownAfterJobFinishes": True, "ttlSecondsAfterFinished": ttl}


def assemble_rayjob(
    job: RayJobInput, settings: BuildSettings, *, owner: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The RayJob of a SpeechBatch validated by :func:`~.validation.validate_rayjob`; it cannot fail."""
    spec = job.spec
    actor = batch_actor(job.name, job.namespace)
    labels = common_labels(COMPONENT, speechbatch=job.name)
    text_env = job.generation.env() if job.generation is not None else {}
    fields: dict[str, Any] = {"submissionMode": "K8sJobMode", "runtimeEnvYAML": _runtime_env(actor, text_env)}
    if isinstance(job.cluster, OnVoiceModel):
        vm = job.voice_models[job.cluster.voice_model]
        out = (
            spec.output.path
            if is_object_path(spec.output.path)
            else _out_path(vm.output.path, spec.output.path)
        )
        image = spec.run_on.image or vm.image or settings.image
        labels[VOICEMODEL_LABEL] = label_value(job.cluster.voice_model)
        fields["clusterSelector"] = {CLUSTER_SELECTOR_KEY: job.cluster.cluster_name}
        fields["shutdownAfterJobFinishes"] = False
    else:
        out = (
            spec.output.path
            if is_object_path(spec.output.path)
            else _out_path(BATCH_OUTPUT_MOUNT, spec.output.path)
        )
        image = dedicated_image(job, settings)
        fields.update(dedicated_deletion(spec, settings))
        fields["backoffLimit"] = settings.job_backoff_limit
        plan = dedicated_cluster_plan(job, job.cluster, image, settings)
        fields["rayClusterSpec"] = ray_cluster_spec(plan, settings)
    if spec.queue_name:
        labels.update(kueue_labels(spec))
        fields["suspend"] = True  # Kueue unsuspends it on admission (and suspends it again on preemption)
    fields["entrypoint"] = f"voxray batch -f {BATCH_SPEC_KEY} --out {shlex.quote(out)}"
    if settings.job_active_deadline_seconds is not None:
        fields["activeDeadlineSeconds"] = settings.job_active_deadline_seconds
    fields["submitterPodTemplate"] = _submitter_template(job.name, spec, image, settings, actor)
    rayjob = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": metadata(
            rayjob_name(job.name),
            job.namespace,
            labels,
            annotations={SPEC_HASH_ANNOTATION: spec_hash(spec)},
            owner=owner,
        ),
        "spec": {key: fields[key] for key in _SPEC_ORDER if key in fields},
    }
    return unaliased(rayjob)


def build_rayjob(
    name: str,
    namespace: str,
    spec: SpeechBatchSpec,
    settings: BuildSettings,
    *,
    voice_models: Mapping[str, VoiceModelSpec] | None = None,
    cluster_name: str | None = None,
    owner: dict[str, Any] | None = None,
    generation: GenerationTarget | None = None,
) -> dict[str, Any]:
    """The RayJob for SpeechBatch ``name``: :func:`~voxray_operator.builders.validation.validate_rayjob`,
    then :func:`assemble_rayjob`.

    ``voice_models``: specs of the VoiceModels the batch names (spec.voiceModels and runOn.voiceModel);
    a missing one raises BuildError(retryable=True). ``cluster_name``: with ``spec.runOn.voiceModel``,
    the RayCluster serving that VoiceModel now (its RayService's
    ``status.activeServiceStatus.rayClusterName``); without it BuildError(retryable=True). The audit key
    Secret is chosen by :func:`~voxray_operator.builders.security.batch_audit_key`; whether it exists is
    the handler's to check. ``generation``: the TextModel of ``spec.generate``
    (:func:`~voxray_operator.builders.generate.generation_target`): its URL, model id and key file go
    into the driver's environment, the key is mounted on the dedicated head.
    """
    job = validate_rayjob(
        name, namespace, spec, voice_models=voice_models, cluster_name=cluster_name, generation=generation
    )
    return assemble_rayjob(job, settings, owner=owner)
