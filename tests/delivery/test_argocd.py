"""Argo CD: the Lua health checks run (lupa, with Argo CD's sandbox: no os/io) against statuses that the
operator's own status derivation writes for real KubeRay statuses, and against KubeRay's RayService
statuses; the Kustomize component merges them into argocd-cm; the Applications point at folders that
exist and ignore exactly the fields the operator and its autoscaler write."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from delivery_lib import REPO

ARGOCD = REPO / "deploy" / "argocd"
HEALTH = ARGOCD / "health"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def run_health(kind_path: str, obj: dict[str, Any]) -> tuple[str, str]:
    lupa = pytest.importorskip("lupa", reason="lupa (Lua in Python) is not installed; the dev extra has it")
    lua = lupa.LuaRuntime(unpack_returned_tuples=True)
    lua.execute("os = nil; io = nil; require = nil; dofile = nil; loadfile = nil")  # Argo CD's sandbox
    lua.globals().obj = lua.table_from(obj, recursive=True)
    hs = lua.execute((HEALTH / kind_path / "health.lua").read_text(encoding="utf-8"))
    assert hs.status in ("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown")
    return str(hs.status), str(hs.message or "")


# ---- VoiceModel: statuses written by voxray_operator.status for KubeRay RayService statuses ----------
SERVE_CONFIG = yaml.safe_dump(
    {
        "applications": [
            {
                "name": "voxray",
                "deployments": [
                    {"name": "VoxrayIngress", "num_replicas": 1},
                    {"name": "TTS-kokoro", "num_replicas": 2},
                ],
            }
        ]
    }
)


def rayservice(
    ready: str | None, reason: str = "", app: str = "RUNNING", dep: str = "HEALTHY"
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "observedGeneration": 1,
        "activeServiceStatus": {
            "applicationStatuses": {
                "voxray": {
                    "status": app,
                    "message": "",
                    "serveDeploymentStatuses": {"TTS-kokoro": {"status": dep}},
                }
            },
            "rayClusterName": "kokoro-raycluster-abcde",
        },
    }
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": ready, "reason": reason, "message": reason}]
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": {"name": "kokoro", "namespace": "tts", "generation": 1},
        "spec": {"serveConfigV2": SERVE_CONFIG},
        "status": status,
    }


def voicemodel(status: dict[str, Any] | None, generation: int = 1) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "VoiceModel",
        "metadata": {"name": "kokoro", "namespace": "tts", "generation": generation},
        "spec": {"engine": "kokoro"},
    }
    if status is not None:
        obj["status"] = status
    return obj


def vm_status(rs: dict[str, Any] | None, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    from voxray_operator.status import voicemodel_status_from_rayservice
    from voxray_runtime.spec.voicemodel import VoiceModelSpec

    spec = VoiceModelSpec.model_validate({"engine": "kokoro", "replicas": {"min": 1, "max": 4}})
    return voicemodel_status_from_rayservice(rs, generation=1, spec=spec, previous=previous, now=NOW)


def test_voicemodel_without_status_is_progressing() -> None:
    assert run_health("voxray.io/VoiceModel", voicemodel(None))[0] == "Progressing"


def test_voicemodel_waiting_for_its_rayservice_is_progressing() -> None:
    assert run_health("voxray.io/VoiceModel", voicemodel(vm_status(None)))[0] == "Progressing"


def test_voicemodel_deploying_is_progressing() -> None:
    status = vm_status(rayservice("False", "Initializing", app="DEPLOYING", dep="UPDATING"))
    assert run_health("voxray.io/VoiceModel", voicemodel(status))[0] == "Progressing"


def test_voicemodel_serving_is_healthy() -> None:
    health, message = run_health(
        "voxray.io/VoiceModel", voicemodel(vm_status(rayservice("True", "NonZeroServeEndpoints")))
    )
    assert health == "Healthy"
    assert "2 replica" in message
    assert "kokoro-serve-svc" in message


def test_voicemodel_spec_newer_than_its_status_is_progressing() -> None:
    status = vm_status(rayservice("True", "NonZeroServeEndpoints"))
    health, message = run_health("voxray.io/VoiceModel", voicemodel(status, generation=2))
    assert health == "Progressing"
    assert "generation 2" in message


@pytest.mark.parametrize(
    "rs",
    [
        rayservice("False", "InitializingTimeout", app="DEPLOYING"),
        rayservice("False", "Initializing", app="DEPLOY_FAILED"),
        rayservice("True", "NonZeroServeEndpoints", dep="UNHEALTHY"),
    ],
    ids=["initializing-timeout", "deploy-failed", "unhealthy-replicas"],
)
def test_voicemodel_failing_is_degraded(rs: dict[str, Any]) -> None:
    assert run_health("voxray.io/VoiceModel", voicemodel(vm_status(rs)))[0] == "Degraded"


def test_voicemodel_that_lost_its_endpoints_is_degraded() -> None:
    ready = vm_status(rayservice("True", "NonZeroServeEndpoints"))
    lost = vm_status(rayservice("False", "ZeroServeEndpoints", app="RUNNING", dep="UPDATING"), previous=ready)
    assert run_health("voxray.io/VoiceModel", voicemodel(lost))[0] == "Degraded"


def test_voicemodel_with_an_invalid_spec_is_degraded_with_the_reason() -> None:
    from voxray_operator.status import validation_failed_status

    ready = vm_status(rayservice("True", "NonZeroServeEndpoints"))
    status = validation_failed_status(
        "VoiceModel",
        message="spec.quantization: not available for kokoro",
        generation=1,
        previous=ready,
        now=NOW,
    )
    health, message = run_health("voxray.io/VoiceModel", voicemodel(status))
    assert health == "Degraded"
    assert "spec.quantization" in message


def test_voicemodel_with_a_missing_secret_is_degraded_with_the_reason() -> None:
    from voxray_operator.builders.security import credential_plan
    from voxray_operator.status import credentials_status
    from voxray_runtime.spec.voicemodel import VoiceModelSpec

    spec = VoiceModelSpec.model_validate(
        {"engine": "kokoro", "security": {"apiKeys": {"secretRef": {"name": "k"}}}}
    )
    plan = credential_plan("kokoro", spec)
    ready = credentials_status(
        vm_status(rayservice("True", "NonZeroServeEndpoints")), plan, namespace="tts", generation=1, now=NOW
    )
    assert run_health("voxray.io/VoiceModel", voicemodel(ready))[0] == "Healthy"
    missing = ("SecretNotFound", "Secret tts/k was not found")
    status = credentials_status(ready, plan, namespace="tts", generation=1, now=NOW, problem=missing)
    health, message = run_health("voxray.io/VoiceModel", voicemodel(status))
    assert health == "Degraded"
    assert message == "Secret tts/k was not found"


# ---- TextModel: statuses written by voxray_operator.status_text for KubeRay RayService statuses ----------
def textmodel(status: dict[str, Any] | None, generation: int = 1) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "TextModel",
        "metadata": {"name": "kokoro", "namespace": "tts", "generation": generation},
        "spec": {"engine": "llamacpp"},
    }
    if status is not None:
        obj["status"] = status
    return obj


def tm_status(rs: dict[str, Any] | None, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    from voxray_operator.status import textmodel_status_from_rayservice
    from voxray_runtime.spec.textmodel import TextModelSpec

    spec = TextModelSpec.model_validate({"servedModelName": "gemma-3", "replicas": {"min": 1, "max": 4}})
    return textmodel_status_from_rayservice(
        rs, name="kokoro", generation=1, spec=spec, previous=previous, now=NOW
    )


def test_textmodel_serving_is_healthy_with_its_url_and_model() -> None:
    health, message = run_health(
        "voxray.io/TextModel", textmodel(tm_status(rayservice("True", "NonZeroServeEndpoints")))
    )
    assert health == "Healthy"
    assert "gemma-3" in message
    assert "kokoro-serve-svc.tts.svc:8000/v1" in message


@pytest.mark.parametrize(
    ("rs", "expected"),
    [
        (None, "Progressing"),
        (rayservice("False", "Initializing", app="DEPLOYING", dep="UPDATING"), "Progressing"),
        (rayservice("False", "Initializing", app="DEPLOY_FAILED"), "Degraded"),
        (rayservice("True", "NonZeroServeEndpoints", dep="UNHEALTHY"), "Degraded"),
    ],
    ids=["no-rayservice", "deploying", "deploy-failed", "unhealthy"],
)
def test_textmodel_health(rs: dict[str, Any] | None, expected: str) -> None:
    assert run_health("voxray.io/TextModel", textmodel(tm_status(rs)))[0] == expected


def test_textmodel_without_status_or_with_a_newer_spec_is_progressing() -> None:
    assert run_health("voxray.io/TextModel", textmodel(None))[0] == "Progressing"
    status = tm_status(rayservice("True", "NonZeroServeEndpoints"))
    assert run_health("voxray.io/TextModel", textmodel(status, generation=2))[0] == "Progressing"


def test_textmodel_with_an_invalid_spec_is_degraded_with_the_field() -> None:
    from voxray_operator.status import validation_failed_status

    status = validation_failed_status(
        "TextModel",
        message="spec.tensorParallelSize: tensorParallelSize applies to engine vllm only",
        generation=1,
        previous=tm_status(rayservice("True", "NonZeroServeEndpoints")),
        now=NOW,
    )
    health, message = run_health("voxray.io/TextModel", textmodel(status))
    assert health == "Degraded"
    assert "spec.tensorParallelSize" in message


# ---- TranscriptionModel: the TextModel's script (a link), on the statuses of its own status module ------
def transcriptionmodel(status: dict[str, Any] | None) -> dict[str, Any]:
    obj = textmodel(status)
    obj["kind"] = "TranscriptionModel"
    obj["spec"] = {"engine": "faster-whisper"}
    return obj


def tr_status(rs: dict[str, Any] | None) -> dict[str, Any]:
    from voxray_operator.status import transcriptionmodel_status_from_rayservice
    from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec

    spec = TranscriptionModelSpec.model_validate({"servedModelName": "whisper-1"})
    return transcriptionmodel_status_from_rayservice(
        rs, name="kokoro", generation=1, spec=spec, previous=None, now=NOW
    )


def test_transcriptionmodel_health_is_the_textmodel_script() -> None:
    link = HEALTH / "voxray.io/TranscriptionModel/health.lua"
    assert link.resolve() == (HEALTH / "voxray.io/TextModel/health.lua").resolve()


@pytest.mark.parametrize(
    ("rs", "expected", "words"),
    [
        (rayservice("True", "NonZeroServeEndpoints"), "Healthy", "whisper-1"),
        (None, "Progressing", "RayService"),
        (rayservice("False", "Initializing", app="DEPLOY_FAILED"), "Degraded", ""),
        (rayservice("True", "NonZeroServeEndpoints", dep="UNHEALTHY"), "Degraded", ""),
    ],
    ids=["serving", "no-rayservice", "deploy-failed", "unhealthy"],
)
def test_transcriptionmodel_health(rs: dict[str, Any] | None, expected: str, words: str) -> None:
    health, message = run_health("voxray.io/TranscriptionModel", transcriptionmodel(tr_status(rs)))
    assert health == expected
    assert words in message


def test_transcriptionmodel_with_unusable_credentials_names_its_kind() -> None:
    status = tr_status(rayservice("True", "NonZeroServeEndpoints"))
    status["conditions"].append({"type": "CredentialsReady", "status": "False", "message": ""})
    health, message = run_health("voxray.io/TranscriptionModel", transcriptionmodel(status))
    assert (health, message) == ("Degraded", "The TranscriptionModel's credentials are not usable")


def test_speechbatch_waiting_for_its_textmodel_is_progressing_and_says_why() -> None:
    from voxray_operator.status import text_model_condition

    status = text_model_condition(
        sb_status(None),
        generation=1,
        now=NOW,
        problem=("TextModelNotReady", "spec.generate.textModel: TextModel 'gemma' is not Ready yet"),
    )
    health, message = run_health("voxray.io/SpeechBatch", speechbatch(status))
    assert health == "Progressing"
    assert "not Ready yet" in message


# ---- SpeechBatch: statuses written by voxray_operator.status for KubeRay RayJob statuses --------------
def rayjob(deployment: str, job: str = "") -> dict[str, Any]:
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": "posts", "namespace": "tts"},
        "status": {"jobDeploymentStatus": deployment, "jobStatus": job, "jobId": "posts-abc"},
    }


def sb_status(job: dict[str, Any] | None, done: int = 0, total: int = 0, failed: int = 0) -> dict[str, Any]:
    from voxray_operator.status import speechbatch_status_from_rayjob
    from voxray_runtime.batch.progress import Progress

    progress = Progress(total=total, done=done, failed=failed) if total else None
    return speechbatch_status_from_rayjob(job, generation=1, progress=progress, previous=None, now=NOW)


def speechbatch(status: dict[str, Any] | None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "SpeechBatch",
        "metadata": {"name": "posts", "namespace": "tts", "generation": 1},
        "spec": {"input": {"file": "packaged:hospitality"}, "variants": {"all": True}},
    }
    if status is not None:
        obj["status"] = status
    return obj


@pytest.mark.parametrize(
    ("job", "counts", "expected", "words"),
    [
        (None, (0, 0, 0), "Progressing", "Pending"),
        (rayjob("Initializing"), (0, 0, 0), "Progressing", "Pending"),
        (rayjob("Running", "RUNNING"), (30, 100, 0), "Progressing", "30/100 files"),
        (rayjob("Complete", "SUCCEEDED"), (100, 100, 0), "Healthy", "100/100 files"),
        (rayjob("Complete", "SUCCEEDED"), (100, 100, 3), "Degraded", "3 failed"),
        (rayjob("Failed", "FAILED"), (10, 100, 0), "Degraded", "10/100 files"),
        (rayjob("Complete", "STOPPED"), (0, 0, 0), "Degraded", "stopped"),
    ],
    ids=["no-rayjob", "starting", "running", "succeeded", "succeeded-with-failures", "failed", "stopped"],
)
def test_speechbatch_health(
    job: dict[str, Any] | None, counts: tuple[int, int, int], expected: str, words: str
) -> None:
    done, total, failed = counts
    health, message = run_health("voxray.io/SpeechBatch", speechbatch(sb_status(job, done, total, failed)))
    assert health == expected
    assert words.lower() in message.lower(), message


def test_speechbatch_with_an_invalid_spec_is_degraded() -> None:
    from voxray_operator.status import validation_failed_status

    status = validation_failed_status(
        "SpeechBatch", message="spec.variants: unknown avatar", generation=1, previous=None, now=NOW
    )
    health, message = run_health("voxray.io/SpeechBatch", speechbatch(status))
    assert health == "Degraded"
    assert "unknown avatar" in message


def test_speechbatch_without_status_is_progressing() -> None:
    assert run_health("voxray.io/SpeechBatch", speechbatch(None))[0] == "Progressing"


# ---- RayService: KubeRay's own statuses ------------------------------------------------------------------
def rs_obj(status: dict[str, Any] | None, generation: int = 1) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": {"name": "m", "generation": generation},
    }
    if status is not None:
        obj["status"] = status
    return obj


READY = {
    "type": "Ready",
    "status": "True",
    "reason": "NonZeroServeEndpoints",
    "message": "Number of serve endpoints is greater than 0",
}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, "Progressing"),
        (
            {
                "observedGeneration": 1,
                "conditions": [
                    READY,
                    {"type": "UpgradeInProgress", "status": "False", "reason": "NoPendingCluster"},
                ],
                "numServeEndpoints": 2,
            },
            "Healthy",
        ),
        (
            {
                "observedGeneration": 1,
                "conditions": [
                    READY,
                    {
                        "type": "UpgradeInProgress",
                        "status": "True",
                        "reason": "BothActivePendingClustersExist",
                    },
                ],
            },
            "Progressing",
        ),
        (
            {
                "observedGeneration": 1,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "reason": "Initializing",
                        "message": "RayService is initializing",
                    }
                ],
            },
            "Progressing",
        ),
        (
            {
                "observedGeneration": 1,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "reason": "InitializingTimeout",
                        "message": "timed out",
                    }
                ],
            },
            "Degraded",
        ),
        (
            {
                "observedGeneration": 1,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "reason": "ZeroServeEndpoints",
                        "message": "no endpoints",
                    }
                ],
            },
            "Degraded",
        ),
        ({"serviceStatus": "Running"}, "Healthy"),
        ({"observedGeneration": 0, "conditions": [READY]}, "Progressing"),
    ],
    ids=[
        "no-status",
        "ready",
        "upgrading",
        "initializing",
        "initializing-timeout",
        "zero-endpoints",
        "old-kuberay-running",
        "old-generation",
    ],
)
def test_rayservice_health(status: dict[str, Any] | None, expected: str) -> None:
    assert run_health("ray.io/RayService", rs_obj(status))[0] == expected


# ---- the component, the Applications, ignoreDifferences --------------------------------------------------
def test_kustomize_component_merges_the_scripts_into_argocd_cm(tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (its built-in kustomize builds the component)")
    (tmp_path / "argocd-cm.yaml").write_text(
        yaml.safe_dump(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm"}, "data": {"url": "x"}}
        )
    )
    # kustomize wants the component below the kustomization: reach it through a symlink
    (tmp_path / "health").symlink_to(HEALTH)
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump({"resources": ["argocd-cm.yaml"], "components": ["health"]})
    )
    result = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (cm,) = list(yaml.safe_load_all(result.stdout))
    assert cm["metadata"]["name"] == "argocd-cm"
    assert cm["data"]["url"] == "x"
    for key, path in (
        ("resource.customizations.health.voxray.io_VoiceModel", "voxray.io/VoiceModel"),
        ("resource.customizations.health.voxray.io_TextModel", "voxray.io/TextModel"),
        ("resource.customizations.health.voxray.io_TranscriptionModel", "voxray.io/TranscriptionModel"),
        ("resource.customizations.health.voxray.io_SpeechBatch", "voxray.io/SpeechBatch"),
        ("resource.customizations.health.voxray.io_Lexicon", "voxray.io/Lexicon"),
        ("resource.customizations.health.ray.io_RayService", "ray.io/RayService"),
    ):
        assert cm["data"][key] == (HEALTH / path / "health.lua").read_text(encoding="utf-8")


def _argocd_objects() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(ARGOCD.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return docs


def test_applications_point_at_folders_that_exist() -> None:
    docs = _argocd_objects()
    kinds = sorted(d["kind"] for d in docs)
    assert kinds.count("Application") == 2
    assert "ApplicationSet" in kinds
    for doc in docs:
        spec = doc["spec"]["template"]["spec"] if doc["kind"] == "ApplicationSet" else doc["spec"]
        for source in [spec.get("source"), *(spec.get("sources") or [])]:
            if source and source.get("repoURL", "").endswith("voxray/voxray.git") and "path" in source:
                assert (REPO / source["path"]).is_dir(), source["path"]
    chart_app = next(
        d for d in docs if d["kind"] == "Application" and d["spec"]["source"]["path"] == "charts/voxray"
    )
    values = chart_app["spec"]["source"]["helm"]["valuesObject"]
    from delivery_lib import render

    assert any(d["kind"] == "PrometheusRule" for d in render(values))  # the values it passes render


def test_ignore_differences_name_what_the_operator_writes() -> None:
    from voxray_operator.handlers.common import FINALIZER, KOPF_PREFIX
    from voxray_operator.scaling.autoscaler import HISTORY_ANNOTATION

    kopf_diffbase = f"{KOPF_PREFIX}/last-handled-configuration"
    assert FINALIZER.startswith(KOPF_PREFIX)
    for doc in _argocd_objects():
        spec = doc["spec"]["template"]["spec"] if doc["kind"] == "ApplicationSet" else doc["spec"]
        entries = {
            (e["group"], e["kind"]): e["jqPathExpressions"] for e in spec.get("ignoreDifferences") or []
        }
        if not entries:
            continue
        for kind in ("VoiceModel", "TextModel", "TranscriptionModel"):
            assert f'.metadata.annotations["{HISTORY_ANNOTATION}"]' in entries[("voxray.io", kind)]
        for kind in ("VoiceModel", "TextModel", "TranscriptionModel", "SpeechBatch"):
            assert f'.metadata.annotations["{kopf_diffbase}"]' in entries[("voxray.io", kind)]
            assert ".metadata.finalizers" in entries[("voxray.io", kind)]
        assert "RespectIgnoreDifferences=true" in spec["syncPolicy"]["syncOptions"]
    readme = (ARGOCD / "README.md").read_text(encoding="utf-8")
    assert HISTORY_ANNOTATION in readme
    assert kopf_diffbase in readme


# ---- KubeRay v1.7 options: an upgrade in progress, a batch queued in Kueue --------------------------------
UPGRADE_SPEC = {
    "engine": "kokoro",
    "replicas": {"min": 1, "max": 4},
    "upgrade": {
        "strategy": "NewClusterWithIncrementalUpgrade",
        "incremental": {"gatewayClassName": "istio", "stepSizePercent": 25, "intervalSeconds": 30},
    },
}


def upgrading(condition: str = "UpgradeInProgress", pending_app: str = "RUNNING") -> dict[str, Any]:
    rs = rayservice("True", "NonZeroServeEndpoints")
    rs["status"]["conditions"].append({"type": condition, "status": "True", "reason": condition})
    rs["status"]["pendingServiceStatus"] = {
        "rayClusterName": "kokoro-raycluster-new",
        "trafficRoutedPercent": 25,
        "targetCapacity": 50,
        "applicationStatuses": {"voxray": {"status": pending_app, "message": "boom"}},
    }
    return rs


@pytest.mark.parametrize(
    ("rs", "expected", "words"),
    [
        (
            upgrading(),
            "Progressing",
            "Upgrading: KubeRay is rolling out a new Ray cluster: 25% of the traffic",
        ),
        (upgrading("RollbackInProgress"), "Progressing", "rolling back"),
        (upgrading(pending_app="DEPLOY_FAILED"), "Degraded", "Upgrade failing: boom"),
    ],
    ids=["incremental", "rollback", "failing"],
)
def test_served_models_during_an_upgrade(rs: dict[str, Any], expected: str, words: str) -> None:
    from voxray_operator.status import textmodel_status_from_rayservice, voicemodel_status_from_rayservice
    from voxray_runtime.spec.textmodel import TextModelSpec
    from voxray_runtime.spec.voicemodel import VoiceModelSpec

    spec = VoiceModelSpec.model_validate(UPGRADE_SPEC)
    status = voicemodel_status_from_rayservice(rs, generation=1, spec=spec, previous=None, now=NOW)
    health, message = run_health("voxray.io/VoiceModel", voicemodel(status))
    assert (health, words in message) == (expected, True), message
    tspec = TextModelSpec.model_validate(
        {"replicas": {"min": 1, "max": 4}, "upgrade": UPGRADE_SPEC["upgrade"]}
    )
    tstatus = textmodel_status_from_rayservice(
        rs, name="kokoro", generation=1, spec=tspec, previous=None, now=NOW
    )
    assert run_health("voxray.io/TextModel", textmodel(tstatus))[0] == expected


def queued_status(suspend: bool, deployment: str, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    from voxray_operator.status import speechbatch_status_from_rayjob

    job = rayjob(deployment)
    job["metadata"]["labels"] = {"kueue.x-k8s.io/queue-name": "gpu-batch"}
    job["spec"] = {"suspend": suspend}
    return speechbatch_status_from_rayjob(job, generation=1, progress=None, previous=previous, now=NOW)


def test_a_queued_batch_is_suspended_until_kueue_admits_it() -> None:
    queued = queued_status(True, "Suspended")
    health, message = run_health("voxray.io/SpeechBatch", speechbatch(queued))
    assert (health, "LocalQueue gpu-batch" in message) == ("Suspended", True), message
    admitted = queued_status(False, "Initializing", queued)
    assert run_health("voxray.io/SpeechBatch", speechbatch(admitted))[0] == "Progressing"
    preempted = queued_status(True, "Suspending", admitted)
    health, message = run_health("voxray.io/SpeechBatch", speechbatch(preempted))
    assert (health, "preempted" in message) == ("Suspended", True), message
