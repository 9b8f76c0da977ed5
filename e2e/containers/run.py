"""``make e2e-containers``: what the operator renders, run as containers the way KubeRay and kubelets run it.

Needs the two images (``make images``) and podman (or a Docker daemon). Every step has a timeout, every
container and network it makes carries the label ``voxray-e2e`` and is removed at the end, on failure too
(with the last lines of each container's log printed first). Steps:

1. ``image``: the runtime image run on its own. Its default command refuses to serve beyond loopback
   without credentials (exit 2, on purpose); with an API keys file it serves, ``/readyz`` answers, and a
   ``store: true`` request writes its file under ``/data/audio`` as uid 1000.
2. ``rayservice``: ``voxray render`` of a VoiceModel; its head group and worker group pod templates run as
   containers (KubeRay's ``ray start`` command and env, the pod's ports, volumes, Secrets the operator
   would generate, security context and limits), the worker joins the head (a two-node Ray cluster across
   containers); ``serveConfigV2`` is deployed through Serve's REST API (``PUT /api/serve/applications/``)
   as KubeRay does; then ``/readyz``, speech through the ingress on every node with and without a key,
   and the Ray metrics export of the nodes.
3. ``speechbatch``: ``voxray render`` of a SpeechBatch; its RayJob's cluster runs as containers sharing the
   output claim (one host folder, as a PVC), the submitter pod runs KubeRay's ``ray job submit`` line with
   the rendered ConfigMap mounted; a worker container is killed mid-batch and replaced (as KubeRay would
   recreate the pod); the batch completes with every file and its manifest.
4. ``operator``: the operator image with the chart's Deployment (env, args, ports, volumes, security
   context with its read-only root) against the kmock API server emulator of tests/operator/integration,
   reconciling a VoiceModel into a RayService; its /healthz and /metrics answer.

What differs from a cluster (docs/operations.md, "What the container e2e proves"): no API server for the
Ray pods (no KubeRay, no autoscaler sidecar, no Services: the head's Service name resolves through
``--add-host``), the operator reads a kubeconfig instead of a service account, and container networking
is podman's bridge.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for extra in (
    ROOT / "tests" / "operator" / "integration",
    ROOT / "tests" / "delivery",
    HERE,
    ROOT / "operator",
    ROOT / "runtime",
):
    sys.path.insert(0, str(extra))

import podspec  # noqa: E402
from podspec import ContainerRun, PodSpecError  # noqa: E402

LABEL = "voxray-e2e"
VOICEMODEL = ROOT / "examples" / "voicemodel-espeak.yaml"
SPEECHBATCH = HERE / "speechbatch.yaml"
NAMESPACE = "voxray-e2e"


class E2EError(AssertionError):
    """A check of the container e2e failed."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_until(what: str, check: Callable[[], Any], timeout: float, interval: float = 2.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise E2EError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


# ---- the container engine ------------------------------------------------------------------------------
class Engine:
    def __init__(self) -> None:
        forced = os.environ.get("VOXRAY_ENGINE", "")
        docker_ok = False
        if forced in ("", "docker") and shutil.which("docker"):
            docker_ok = (
                subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False).returncode
                == 0
            )
        if forced == "docker" and not docker_ok:
            raise SystemExit(
                "e2e-containers: VOXRAY_ENGINE=docker but the Docker daemon does not answer (docker info)"
            )
        if docker_ok:
            self.name = "docker"
        elif forced in ("", "podman") and shutil.which("podman"):
            self.name = "podman"
            os.environ.setdefault("CONTAINERS_CONF", str(ROOT / "scripts" / "containers.conf"))
            info = subprocess.run(["podman", "info"], capture_output=True, text=True, timeout=60, check=False)
            if info.returncode != 0:
                raise SystemExit(f"e2e-containers: podman cannot run here: {info.stderr.strip()[-400:]}")
        else:
            raise SystemExit(
                "e2e-containers: neither a Docker daemon nor podman is available "
                "(apt-get install podman buildah runc debootstrap; make container-deps does it as root)"
            )

    def __call__(
        self, *args: str, timeout: float = 120, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run(
                [self.name, *args], capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise E2EError(f"{self.name} {' '.join(args[:3])} ... ran past {timeout} s") from exc
        if check and result.returncode != 0:
            raise E2EError(
                f"{self.name} {' '.join(args[:4])} ... failed ({result.returncode}): "
                f"{result.stderr.strip()[-800:]}"
            )
        return result

    def remove(self, *names: str) -> None:
        """Remove containers at once (no grace period), one by one: a missing one must not stop the rest."""
        stop_now = ["-t", "0"] if self.name == "podman" else []
        for name in names:
            self("rm", "-f", *stop_now, name, check=False, timeout=120)

    def image_user(self, image: str) -> int | None:
        user = self("image", "inspect", "--format", "{{.Config.User}}", image).stdout.strip().split(":")[0]
        return int(user) if user.isdigit() else None


# ---- one run: containers, network, host folders; all removed at the end ---------------------------------
class Session:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.id = uuid.uuid4().hex[:8]
        self.root = Path(tempfile.mkdtemp(prefix=f"voxray-e2e-{self.id}-", dir="/var/tmp"))
        self.root.chmod(0o755)
        self.network = f"voxray-e2e-{self.id}"
        self.containers: list[str] = []

    def start(self) -> None:
        self.remove_leftovers()
        self.engine("network", "create", "--label", f"{LABEL}={self.id}", self.network)

    def remove_leftovers(self) -> None:
        """Containers and networks of an earlier run that was killed before it could clean up."""
        old = self.engine("ps", "-aq", "--filter", f"label={LABEL}", check=False).stdout.split()
        if old:
            log(f"removing {len(old)} container(s) left by an earlier run")
            self.engine.remove(*old)
        for line in self.engine("network", "ls", "--format", "{{.Name}}", check=False).stdout.split():
            if line.startswith("voxray-e2e-"):
                self.engine("network", "rm", "-f", line, check=False)

    def dump_logs(self) -> None:
        for name in self.containers:
            out = self.engine("logs", "--tail", "60", name, check=False, timeout=30)
            text = (out.stdout + out.stderr).strip()
            if text:
                print(f"---- last log lines of {name} ----\n{text}\n", flush=True)

    def close(self, *, failed: bool) -> None:
        if failed:
            self.dump_logs()
        # by label, not by name: a name already removed would make the engine skip the rest
        mine = self.engine("ps", "-aq", "--filter", f"label={LABEL}={self.id}", check=False).stdout.split()
        for container in mine:
            self.engine.remove(container)
        self.engine("network", "rm", "-f", self.network, check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        left = self.engine("ps", "-aq", "--filter", f"label={LABEL}={self.id}", check=False).stdout.split()
        if left:
            raise E2EError(f"containers left behind: {left}")

    # -- the kubelet's part: volumes as host folders
    def folders(
        self, pod: str, pod_spec: Mapping[str, Any], secrets_: Mapping[str, Any], cms: Mapping[str, Any]
    ) -> dict[str, str]:
        fs_group = (pod_spec.get("securityContext") or {}).get("fsGroup")
        out: dict[str, str] = {}
        for name, plan in podspec.plan_volumes(pod_spec, secrets_, cms).items():
            if plan.kind == "persistentVolumeClaim":
                path = self.root / "claims" / str(plan.claim)
            else:
                path = self.root / "pods" / pod / name
            if not path.exists():
                path.mkdir(parents=True)
                self._own(
                    path,
                    fs_group,
                    0o2775
                    if plan.kind == "persistentVolumeClaim"
                    else 0o777
                    if plan.kind == "emptyDir"
                    else 0o755,
                )
            for file, data in plan.files.items():
                target = path / file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                # read-only volumes with an fsGroup: group-readable (the kubelet's SetVolumeOwnership)
                self._own(target, fs_group, plan.mode | (0o440 if fs_group is not None else 0))
            out[name] = str(path)
        return out

    @staticmethod
    def _own(path: Path, group: int | None, mode: int) -> None:
        if group is not None and os.geteuid() == 0:
            os.chown(path, 0, int(group))
        elif group is not None:
            mode |= 0o007 if path.is_dir() else 0o004  # no chown without root: let everyone in instead
        path.chmod(mode)

    def run(self, run: ContainerRun, folders: Mapping[str, str]) -> str:
        args = podspec.engine_args(run, folders, network=self.network, engine=self.engine.name)
        args[0:0] = ["--label", f"{LABEL}={self.id}"]
        self.containers.append(run.name)
        self.engine("run", *args, timeout=180)
        return run.name

    def ip(self, name: str) -> str:
        out = self.engine("inspect", "--format", "{{json .NetworkSettings.Networks}}", name).stdout
        networks = json.loads(out)
        return str(networks[self.network]["IPAddress"])

    def port(self, name: str, port: int) -> str:
        out = self.engine("port", name, f"{port}/tcp").stdout.strip().splitlines()
        if not out:
            raise E2EError(f"{name}: port {port} is not published")
        return out[0].replace("0.0.0.0", "127.0.0.1")

    def running(self, name: str) -> bool:
        out = self.engine("inspect", "--format", "{{.State.Running}}", name, check=False).stdout.strip()
        return out == "true"

    def exec_ok(self, name: str, command: str, timeout: float = 30) -> bool:
        if not self.running(name):
            raise E2EError(f"container {name} is not running")
        return self.engine("exec", name, "bash", "-c", command, check=False, timeout=timeout).returncode == 0


# ---- rendering ------------------------------------------------------------------------------------------
def render(files: list[Path], image: str) -> list[dict[str, Any]]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "runtime"), str(ROOT / "operator"), str(ROOT)]),
    }
    args = [sys.executable, "-m", "voxray_runtime.cli", "render", "-n", NAMESPACE, "--image", image]
    for file in files:
        args += ["-f", str(file)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    if result.returncode != 0:
        raise E2EError(f"voxray render failed: {result.stderr.strip()}")
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d.get("kind") == kind]
    if len(found) != 1:
        raise E2EError(f"voxray render gave {len(found)} {kind} objects")
    return found[0]


def generated_secrets(model: str) -> tuple[dict[str, dict[str, Any]], str]:
    """The Secrets the operator creates for a VoiceModel (its own builders), and the plain API key."""
    from voxray_operator.builders.security import build_api_keys_secret, build_audit_key_secret

    key = secrets.token_urlsafe(32)
    made = [
        build_api_keys_secret(model, NAMESPACE, key),
        build_audit_key_secret(model, NAMESPACE, secrets.token_bytes(32)),
    ]
    return {s["metadata"]["name"]: s for s in made}, key


# ---- Ray cluster from a rendered RayCluster spec ---------------------------------------------------------
RAYLET_PROBE = "wget -T 2 -q -O- http://localhost:52365/api/local_raylet_healthz | grep success"
GCS_PROBE = "wget -T 2 -q -O- http://localhost:8265/api/gcs_healthz | grep success"


class RayCluster:
    """The head and worker pods of a rendered ``rayClusterConfig``/``rayClusterSpec``, as containers."""

    def __init__(
        self,
        session: Session,
        spec: Mapping[str, Any],
        cluster: str,
        *,
        rayservice: bool,
        image_user: int | None,
        secrets_: Mapping[str, Any],
        cms: Mapping[str, Any],
    ) -> None:
        self.session, self.spec, self.cluster = session, spec, cluster
        self.rayservice, self.image_user, self.secrets, self.cms = rayservice, image_user, secrets_, cms
        self.head = ""
        self.head_ip = ""
        self.workers: list[str] = []
        self.generation = 0

    def _run(self, group: Mapping[str, Any], node_type: podspec.NodeType, name: str) -> str:
        run = podspec.ray_container_run(
            group,
            node_type,
            cluster=self.cluster,
            namespace=NAMESPACE,
            run_name=name,
            rayservice=self.rayservice,
            autoscaling=bool(self.spec.get("enableInTreeAutoscaling")),
            secrets=self.secrets,
            config_maps=self.cms,
            image_user=self.image_user,
        )
        if self.head_ip:
            run.hosts[podspec.head_service(self.cluster, NAMESPACE)] = self.head_ip
        folders = self.session.folders(name, group["template"]["spec"], self.secrets, self.cms)
        return self.session.run(run, folders)

    def start_head(self) -> None:
        self.head = self._run(self.spec["headGroupSpec"], "head", f"{self.cluster}-head-{self.session.id}")
        self.head_ip = self.session.ip(self.head)
        # KubeRay's readiness probe of a head: raylet and GCS health
        wait_until(
            "the Ray head's readiness probe",
            lambda: self.session.exec_ok(self.head, f"{RAYLET_PROBE} && {GCS_PROBE}"),
            240,
            3,
        )

    def start_worker(self, group: Mapping[str, Any]) -> str:
        self.generation += 1
        name = f"{self.cluster}-{group['groupName']}-{self.generation}-{self.session.id}"
        worker = self._run(group, "worker", name)
        self.workers.append(worker)
        wait_until(
            f"worker {name}'s readiness probe", lambda: self.session.exec_ok(worker, RAYLET_PROBE), 240, 3
        )
        return worker

    def start_workers(self) -> None:
        for group in self.spec.get("workerGroupSpecs") or []:
            for _ in range(int(group.get("replicas", group.get("minReplicas", 1)))):
                self.start_worker(group)

    def alive_nodes(self) -> int:
        code = "import ray; ray.init(log_to_driver=False); print(sum(1 for n in ray.nodes() if n['Alive']))"
        out = self.session.engine("exec", self.head, "python", "-c", code, check=False, timeout=90)
        return int(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 and out.stdout.strip() else 0


# ---- step 1: the runtime image on its own ----------------------------------------------------------------
def check_image(session: Session, image: str) -> None:
    engine = session.engine
    name = f"voxray-standalone-refuses-{session.id}"
    session.containers.append(name)
    out = engine("run", "--label", f"{LABEL}={session.id}", "--name", name, image, check=False, timeout=180)
    text = out.stdout + out.stderr
    if out.returncode != 2 or "requires authentication" not in text:
        raise E2EError(
            "the default command without credentials should exit 2 and say why; "
            f"exit {out.returncode}: {text[-600:]}"
        )
    log("default command without credentials: exit 2, 'requires authentication' (on purpose)")

    key = secrets.token_urlsafe(32)
    keys = session.root / "standalone" / "keys.yaml"
    keys.parent.mkdir(parents=True)
    keys.write_text(
        yaml.safe_dump({"keys": [{"id": "e2e", "key": key, "scopes": ["speech", "store"]}]}), encoding="utf-8"
    )
    keys.chmod(0o644)
    name = f"voxray-standalone-{session.id}"
    session.containers.append(name)
    engine(
        "run",
        "--detach",
        "--label",
        f"{LABEL}={session.id}",
        "--name",
        name,
        "--network",
        session.network,
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--publish",
        "127.0.0.1::8000",
        "--volume",
        f"{keys}:/etc/voxray/api-keys/keys.yaml:ro",
        "--env",
        "VOXRAY_API_KEYS_FILE=/etc/voxray/api-keys/keys.yaml",
        image,
        timeout=120,
    )
    base = f"http://{session.port(name, 8000)}"
    started = time.monotonic()
    with httpx.Client(timeout=60) as client:

        def ready() -> bool:
            if not session.running(name):
                raise E2EError("the standalone runtime container exited")
            return client.get(f"{base}/readyz").status_code == 200

        wait_until("the standalone runtime's /readyz", ready, 600, 3)
        log(f"default command with an API keys file: /readyz 200 after {time.monotonic() - started:.0f} s")
        body = {"text": "Stored by the container test.", "language": "en", "store": True, "name": "e2e-store"}
        denied = client.post(f"{base}/v1/speech", json=body)
        if denied.status_code != 401:
            raise E2EError(f"no key should answer 401, got {denied.status_code}")
        stored = client.post(f"{base}/v1/speech", json=body, headers={"X-API-Key": key}, timeout=300)
        if stored.status_code != 200:
            raise E2EError(f"store=true answered {stored.status_code}: {stored.text[:400]}")
    listing = engine(
        "exec",
        name,
        "bash",
        "-c",
        "find /data/audio -name 'e2e-store*' -printf '%u %s %p\\n' | grep .",
        check=False,
    )
    if listing.returncode != 0:
        raise E2EError(f"no stored file under /data/audio: {listing.stderr.strip()}")
    log(f"store=true wrote {listing.stdout.strip()}")
    engine.remove(name)


# ---- step 2: a VoiceModel's RayService -------------------------------------------------------------------
def check_rayservice(session: Session, image: str) -> None:
    docs = render([VOICEMODEL], image)
    rayservice = one(docs, "RayService")
    model = rayservice["metadata"]["name"]
    secret_objs, key = generated_secrets(model)
    spec = rayservice["spec"]["rayClusterConfig"]
    cluster = RayCluster(
        session,
        spec,
        f"{model}-raycluster",
        rayservice=True,
        image_user=session.engine.image_user(image),
        secrets_=secret_objs,
        cms={},
    )
    started = time.monotonic()
    cluster.start_head()
    log(f"RayService head ready after {time.monotonic() - started:.0f} s")
    cluster.start_workers()
    nodes = wait_until(
        "every Ray node alive", lambda: cluster.alive_nodes() == 1 + len(cluster.workers), 180, 5
    )
    log(
        f"{1 + len(cluster.workers)} Ray nodes alive across containers "
        f"after {time.monotonic() - started:.0f} s ({nodes})"
    )

    dashboard = f"http://{session.port(cluster.head, 8265)}"
    config = yaml.safe_load(rayservice["spec"]["serveConfigV2"])
    with httpx.Client(timeout=60) as client:
        put = client.put(f"{dashboard}/api/serve/applications/", json=config)
        if put.status_code != 200:
            raise E2EError(f"PUT /api/serve/applications/ answered {put.status_code}: {put.text[:600]}")

        def app_status() -> str | bool:
            apps = client.get(f"{dashboard}/api/serve/applications/").json().get("applications") or {}
            status = str((apps.get("voxray") or {}).get("status", "absent"))
            if status in ("DEPLOY_FAILED", "UNHEALTHY"):
                message = str((apps.get("voxray") or {}).get("message", ""))
                raise E2EError(f"Serve application voxray is {status}: ...{message[-2500:]}")
            return status == "RUNNING"

        wait_until("the Serve application voxray RUNNING", app_status, 600, 5)
        log(
            "serveConfigV2 deployed through Serve's REST API: "
            f"RUNNING after {time.monotonic() - started:.0f} s"
        )

        nodes_ingress = [cluster.head, *cluster.workers]
        for node in nodes_ingress:
            base = f"http://{session.port(node, 8000)}"

            def ready(base: str = base) -> bool:
                return client.get(f"{base}/readyz").status_code == 200

            wait_until(f"/readyz on {node}", ready, 180, 3)
            body = {"model": model, "input": "Hello from a Ray cluster in containers.", "voice": "alloy"}
            denied = client.post(f"{base}/v1/audio/speech", json=body)
            if denied.status_code != 401:
                raise E2EError(f"{node}: a request without a key should answer 401, got {denied.status_code}")
            wrong = client.post(
                f"{base}/v1/audio/speech", json=body, headers={"Authorization": "Bearer " + "x" * 40}
            )
            if wrong.status_code != 401:
                raise E2EError(f"{node}: a wrong key should answer 401, got {wrong.status_code}")
            speech = client.post(
                f"{base}/v1/audio/speech", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=180
            )
            if speech.status_code != 200 or len(speech.content) < 1000:
                raise E2EError(
                    f"{node}: speech with the key answered {speech.status_code}: {speech.content[:300]!r}"
                )
            log(
                f"ingress on {node}: /readyz 200, no key 401, wrong key 401, "
                f"with the key 200 ({len(speech.content)} bytes of audio)"
            )

        def metrics() -> bool:
            text = ""
            for node in nodes_ingress:
                text += client.get(f"http://{session.port(node, 8080)}/metrics").text
            return "ray_voxray_requests_total" in text and "ray_node_cpu_utilization" in text

        wait_until("voxray's request metrics on the Ray metrics export port", metrics, 120, 5)
        log("metrics: ray_voxray_requests_total and Ray's node metrics on port 8080")
    session.engine.remove(cluster.head, *cluster.workers)


# ---- step 3: a SpeechBatch's RayJob ----------------------------------------------------------------------
def check_speechbatch(session: Session, image: str) -> None:
    docs = render([SPEECHBATCH], image)
    rayjob = one(docs, "RayJob")
    cms = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}
    name = rayjob["metadata"]["name"]
    spec = rayjob["spec"]["rayClusterSpec"]
    cluster = RayCluster(
        session,
        spec,
        f"{name}-raycluster",
        rayservice=False,
        image_user=session.engine.image_user(image),
        secrets_={},
        cms=cms,
    )
    started = time.monotonic()
    cluster.start_head()
    cluster.start_workers()
    wait_until("every Ray node alive", lambda: cluster.alive_nodes() == 1 + len(cluster.workers), 180, 5)
    log(f"RayJob cluster up ({1 + len(cluster.workers)} nodes) after {time.monotonic() - started:.0f} s")

    batch = yaml.safe_load(next(iter(cms.values()))["data"]["speechbatch.yaml"])
    volumes = spec["headGroupSpec"]["template"]["spec"]["volumes"]
    claim = next(v for v in volumes if "persistentVolumeClaim" in v)
    out_dir = (
        session.root
        / "claims"
        / claim["persistentVolumeClaim"]["claimName"]
        / batch["spec"]["output"]["path"]
    )
    expected = len(batch["spec"]["input"]["items"]) * len(batch["spec"]["variants"]["avatars"])

    submitter_template = rayjob["spec"]["submitterPodTemplate"]
    submission_id = f"{name}-{session.id}"
    run = podspec.container_run(
        submitter_template,
        submitter_template["spec"]["containers"][0]["name"],
        run_name=f"{name}-submitter-{session.id}",
        image_user=session.engine.image_user(image),
        config_maps=cms,
        namespace=NAMESPACE,
    )
    dashboard = f"{podspec.head_service(cluster.cluster, NAMESPACE)}:{podspec.DEFAULT_DASHBOARD_PORT}"
    if run.entrypoint is None:  # KubeRay's submitter command
        run.entrypoint = list(podspec.SUBMITTER_COMMAND)
        run.args = [podspec.job_submit_command(rayjob, dashboard, submission_id)]
    run.env += [("RAY_DASHBOARD_ADDRESS", dashboard), ("RAY_JOB_SUBMISSION_ID", submission_id)]
    run.hosts[podspec.head_service(cluster.cluster, NAMESPACE)] = cluster.head_ip
    folders = session.folders(run.name, submitter_template["spec"], {}, cms)
    submitter = session.run(run, folders)
    log(f"submitter started: {run.args[0][:160] if run.args else ''}...")

    def files() -> list[Path]:
        return (
            sorted(out_dir.glob(f"**/*.{batch['spec']['output'].get('format', 'mp3')}"))
            if out_dir.exists()
            else []
        )

    first = wait_until(
        "the batch's first file", lambda: files() or (not session.running(submitter) and "exited"), 900, 1
    )
    if first == "exited":
        raise E2EError("the submitter exited before the first file was written")
    victim = cluster.workers[-1]
    log(f"{len(files())} of {expected} files written; killing worker {victim}")
    session.engine("kill", "--signal", "KILL", victim, check=False)
    group = spec["workerGroupSpecs"][0]
    cluster.start_worker(group)  # KubeRay recreates the worker pod
    log("replacement worker joined")
    wait_until("the submitter to finish", lambda: not session.running(submitter), 1200, 3)
    code = session.engine("inspect", "--format", "{{.State.ExitCode}}", submitter).stdout.strip()
    if code != "0":
        raise E2EError(f"the RayJob submitter exited {code}")
    got = files()
    manifest = out_dir / "manifest.jsonl"
    if len(got) != expected:
        raise E2EError(f"{len(got)} files instead of {expected}: {[p.name for p in got]}")
    if not manifest.is_file():
        raise E2EError(f"no manifest in {out_dir}: {sorted(p.name for p in out_dir.iterdir())}")
    entries = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(entries) != expected:
        raise E2EError(f"the manifest has {len(entries)} entries instead of {expected}")
    owners = {p.stat().st_uid for p in got}
    summary_file = out_dir / "summary.json"
    if not summary_file.is_file():
        raise E2EError(f"no summary.json in {out_dir}")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    counts = {k: summary.get(k) for k in ("total", "files", "rendered", "failed", "missing")}
    if counts["files"] != expected or counts["failed"] or counts["missing"]:
        raise E2EError(f"summary.json: {counts}")
    retried = sum(1 for e in entries if int(e.get("attempts", 1) or 1) > 1)
    log(f"summary.json: {counts}; {retried} file(s) needed more than one attempt")
    log(
        f"batch complete after the kill: {len(got)} files, manifest of {len(entries)}, "
        f"owned by uid {owners}, "
        f"{time.monotonic() - started:.0f} s in all"
    )
    session.engine.remove(cluster.head, *cluster.workers, submitter)


# ---- step 4: the operator image against the API server emulator -----------------------------------------
class Emulator:
    """tests/operator/integration's hardened kmock emulator, served on ``host`` in a thread."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        import kmock
        from kubesim import HardenedEmulator

        self._stop = asyncio.Event()
        async with HardenedEmulator() as emulator, kmock.Server(emulator, host=self.host) as server:
            self.url = str(server.url).rstrip("/")
            self._ready.set()
            await self._stop.wait()

    def start(self) -> str:
        self._thread.start()
        self._ready.wait(60)
        if self._error or not self.url:
            raise E2EError(f"the emulator did not start: {self._error!r}")
        return self.url

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


def chart_deployment(operator_image: str, runtime_image: str) -> dict[str, Any]:
    """The operator Deployment the chart renders with its defaults and these two images."""
    from delivery_lib import by_kind
    from delivery_lib import render as render_chart

    def image(name: str) -> dict[str, str]:
        repository, _, tag = name.rpartition(":")
        return {"repository": repository, "tag": tag, "pullPolicy": "IfNotPresent"}

    values = {"operator": {"image": image(operator_image)}, "runtime": {"image": image(runtime_image)}}
    deployments = by_kind(render_chart(values, namespace="voxray-system"), "Deployment")
    if len(deployments) != 1:
        raise E2EError(f"the chart renders {len(deployments)} Deployments, expected the operator's alone")
    return deployments[0]


def check_operator(session: Session, operator_image: str, runtime_image: str) -> None:
    from kubesim import kubeconfig

    # the emulator listens on the container network's gateway: reachable from the operator container, not
    # from other hosts. The bridge (and its address) exists once a container is attached: hold it with one.
    holder = f"voxray-network-holder-{session.id}"
    session.containers.append(holder)
    session.engine(
        "run",
        "--detach",
        "--label",
        f"{LABEL}={session.id}",
        "--name",
        holder,
        "--network",
        session.network,
        "--entrypoint",
        "python",
        operator_image,
        "-c",
        "import time; time.sleep(1800)",
    )
    network = json.loads(session.engine("network", "inspect", session.network).stdout)[0]
    gateways = [s.get("gateway") for s in network.get("subnets") or []]  # podman
    gateways += [c.get("Gateway") for c in (network.get("IPAM") or {}).get("Config") or []]  # Docker
    if not any(gateways):
        raise E2EError(f"network {session.network} has no gateway address: {json.dumps(network)[:400]}")
    host = str(next(g for g in gateways if g))
    emulator = Emulator(host)
    url = emulator.start()
    try:
        deployment = chart_deployment(operator_image, runtime_image)
        template = deployment["spec"]["template"]
        container = template["spec"]["containers"][0]
        if container["image"] != operator_image:
            raise E2EError(f"the chart's image {container['image']} is not {operator_image}")
        run = podspec.container_run(
            template,
            container["name"],
            run_name=f"voxray-operator-{session.id}",
            image_user=session.engine.image_user(operator_image),
            namespace="voxray-system",
        )
        if not run.read_only_root:
            raise E2EError("the chart no longer runs the operator with a read-only root filesystem")
        config_dir = session.root / "operator-kubeconfig"
        config_dir.mkdir()
        (config_dir / "config").write_text(yaml.safe_dump(kubeconfig(url)), encoding="utf-8")
        (config_dir / "config").chmod(0o644)
        # the one deviation: a kubeconfig instead of the service account (the emulator speaks plain HTTP)
        run.mounts.append(("e2e-kubeconfig", "/etc/voxray-e2e", True))
        run.env += [("KUBECONFIG", "/etc/voxray-e2e/config")]
        folders = session.folders(run.name, template["spec"], {}, {})
        folders["e2e-kubeconfig"] = str(config_dir)
        operator = session.run(run, folders)
        started = time.monotonic()

        async def scenario() -> dict[str, Any]:
            from voxray_operator import k8s

            os.environ["KUBECONFIG"] = str(config_dir / "config")
            api = k8s.KubeClient.from_environment(timeout=10)
            try:
                body = yaml.safe_load(VOICEMODEL.read_text(encoding="utf-8"))
                body["metadata"]["namespace"] = NAMESPACE
                await asyncio.sleep(0)
                deadline = time.monotonic() + 180
                created = False
                while time.monotonic() < deadline:
                    if not session.running(operator):
                        raise E2EError("the operator container exited")
                    if not created:
                        await api.create(k8s.VOICEMODELS, NAMESPACE, body)
                        created = True
                    found = await api.get(k8s.RAYSERVICES, NAMESPACE, body["metadata"]["name"])
                    if found:
                        return found
                    await asyncio.sleep(2)
                raise E2EError("the operator made no RayService within 180 s")
            finally:
                await api.aclose()

        rayservice = asyncio.run(scenario())
        image = rayservice["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0][
            "image"
        ]
        if image != runtime_image:
            raise E2EError(f"the reconciled RayService runs {image}, not {runtime_image}")
        log(
            f"operator container reconciled VoiceModel into RayService {rayservice['metadata']['name']} "
            f"in {time.monotonic() - started:.0f} s"
        )
        with httpx.Client(timeout=10) as client:
            health_port = run.ports.get("health") or 8081
            metrics_port = run.ports.get("metrics") or 8080
            health = client.get(f"http://{session.port(operator, health_port)}/healthz")
            text = client.get(f"http://{session.port(operator, metrics_port)}/metrics").text
        if health.status_code != 200:
            raise E2EError(f"operator /healthz answered {health.status_code}")
        if 'voxray_operator_reconcile_total{kind="VoiceModel"' not in text:
            raise E2EError("operator /metrics has no VoiceModel reconcile count")
        log("operator /healthz 200, /metrics counts the VoiceModel reconcile")
    finally:
        # the operator's watches hold connections to the emulator open: stop it first
        session.engine.remove(*session.containers[-2:])
        emulator.stop()


def image_names() -> tuple[str, str]:
    version = next(
        line.split('"')[1]
        for line in (ROOT / "pyproject.toml").read_text().splitlines()
        if line.startswith("version = ")
    )
    prefix = os.environ.get("IMAGE_PREFIX", "localhost/voxray")
    runtime = os.environ.get("RUNTIME_IMAGE", f"{prefix}/voxray-runtime:{version}-cpu")
    operator = os.environ.get("OPERATOR_IMAGE", f"{prefix}/voxray-operator:{version}")
    return runtime, operator


STEPS = ("image", "rayservice", "speechbatch", "operator")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", action="append", choices=STEPS, help="run only these steps (repeatable)")
    args = parser.parse_args(argv)
    engine = Engine()
    runtime_image, operator_image = image_names()
    chosen = args.only or list(STEPS)
    needed = [operator_image] if chosen == ["operator"] else [runtime_image, operator_image]
    for image in needed:
        if engine("image", "inspect", image, check=False).returncode != 0:
            print(f"e2e-containers: image {image} not found: run `make images` first", file=sys.stderr)
            return 1
    session = Session(engine)
    failed = True
    # one bound for the whole run, whatever hangs: the handler raises in the main thread, cleanup follows
    limit = int(os.environ.get("VOXRAY_E2E_TIMEOUT_SECONDS", "2700"))

    def too_long(signum: int, frame: object) -> None:
        raise E2EError(f"the container e2e ran past VOXRAY_E2E_TIMEOUT_SECONDS={limit}")

    signal.signal(signal.SIGALRM, too_long)
    signal.alarm(limit)
    timings: dict[str, float] = {}
    try:
        session.start()
        steps: dict[str, Callable[[], None]] = {
            "image": lambda: check_image(session, runtime_image),
            "rayservice": lambda: check_rayservice(session, runtime_image),
            "speechbatch": lambda: check_speechbatch(session, runtime_image),
            "operator": lambda: check_operator(session, operator_image, runtime_image),
        }
        for step in chosen:
            log(f"== {step}")
            started = time.monotonic()
            steps[step]()
            timings[step] = time.monotonic() - started
            log(f"== {step} passed in {timings[step]:.0f} s")
        failed = False
    except (E2EError, PodSpecError) as exc:
        log(f"FAILED: {exc}")
    except Exception as exc:  # an unexpected error: still clean up, and say what it was
        log(f"FAILED with an unexpected error: {exc!r}")
        import traceback

        traceback.print_exc()
    finally:
        signal.alarm(0)
        session.close(failed=failed)
    summary = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
    log(
        ("e2e-containers passed: " if not failed else "e2e-containers FAILED after: ")
        + (summary or "no step")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
