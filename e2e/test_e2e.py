"""voxray on a real cluster (kind + KubeRay + the chart), in the order a user meets it: the operator runs,
a CPU-only VoiceModel becomes Ready and its REST endpoint answers MP3, a SpeechBatch writes its files
and manifest and reports the right counts, the autoscaler follows a test metric up and down, and
deleting everything leaves nothing behind. The tests share one cluster and run in file order."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from e2e_lib import CONTEXT, NAMESPACE, OPERATOR_NAMESPACE, ROOT, get, kubectl, wait_for

MANIFESTS = ROOT / "e2e" / "manifests"
VOICEMODEL = "espeak-cpu"
BATCH = "small"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def port_forward(target: str, remote: int, namespace: str = NAMESPACE) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        ["kubectl", "--context", CONTEXT, "-n", namespace, "port-forward", target, f"{port}:{remote}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def http(
    method: str, url: str, body: Any = None, timeout: float = 120, key: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request; ``key``: sent as ``Authorization: Bearer``. Error statuses are returned, not raised."""
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def api_key(voicemodel: str) -> str:
    """The key the operator generated for ``voicemodel`` (what the readKeyCommand of its status prints)."""
    secret = get("secret", f"{voicemodel}-api-keys")
    assert secret, "the operator did not generate the API keys Secret"
    return base64.b64decode(secret["data"]["api-key"]).decode()


def looks_like_mp3(data: bytes) -> bool:
    return data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def condition(obj: dict[str, Any] | None, type_: str) -> dict[str, Any]:
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return {}


def model_replicas(rayservice: dict[str, Any]) -> int | None:
    config = yaml.safe_load(rayservice["spec"]["serveConfigV2"])
    for app in config["applications"]:
        for dep in app["deployments"]:
            if dep["name"] == f"TTS-{VOICEMODEL}":
                return int(dep["num_replicas"])
    return None


def set_test_metric(value: float) -> None:
    with port_forward("svc/metric-stub", 9090) as url:
        status, _, _ = http("POST", f"{url}/set", str(value).encode())
        assert status == 200


def test_operator_runs(cluster: str) -> None:
    deployment = get("deployment", "voxray-operator", OPERATOR_NAMESPACE)
    assert deployment
    assert deployment["status"].get("availableReplicas") == 1
    for crd in ("voicemodels.voxray.io", "speechbatches.voxray.io", "rayservices.ray.io", "rayjobs.ray.io"):
        kubectl("get", "crd", crd)
    # the monitoring objects were accepted by the API server against the Prometheus Operator's CRDs
    kubectl("-n", OPERATOR_NAMESPACE, "get", "servicemonitor,podmonitor,prometheusrule")


def test_invalid_voicemodel_is_rejected_by_the_api_server(cluster: str) -> None:
    bad = {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "VoiceModel",
        "metadata": {"name": "bad", "namespace": NAMESPACE},
        "spec": {"engine": "kokoro", "replicas": {"min": 3, "max": 1}},
    }
    result = subprocess.run(
        ["kubectl", "--context", CONTEXT, "apply", "-f", "-"],
        input=json.dumps(bad),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "replicas.min must not exceed replicas.max" in result.stderr
    bad["spec"] = {
        "engine": "espeak",
        "security": {"auth": "Disabled", "oidc": {"issuer": "https://i.example", "audience": "a"}},
    }
    result = subprocess.run(
        ["kubectl", "--context", CONTEXT, "apply", "-f", "-"],
        input=json.dumps(bad),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "auth is Disabled" in result.stderr


def test_voicemodel_becomes_ready(cluster: str) -> None:
    set_test_metric(0.5)  # inside the tolerance around the 0.8 target: no scaling yet
    kubectl("-n", NAMESPACE, "apply", "-f", str(MANIFESTS / "voicemodel-cpu.yaml"))
    vm = wait_for(
        "VoiceModel Ready",
        lambda: (v := get("voicemodel", VOICEMODEL)) and condition(v, "Ready").get("status") == "True" and v,
        timeout=900,
        interval=5,
    )
    status = vm["status"]
    assert status["phase"] == "Ready"
    assert status["observedGeneration"] == vm["metadata"]["generation"]
    assert status["endpoint"].startswith(f"http://{status['rayServiceName']}-serve-svc.{NAMESPACE}.svc:8000")
    rayservice = get("rayservice", status["rayServiceName"])
    assert rayservice
    assert rayservice["metadata"]["ownerReferences"][0]["uid"] == vm["metadata"]["uid"]
    assert condition(vm, "CredentialsReady").get("reason") == "GeneratedApiKey"
    assert status["credentials"]["apiKeysSecret"] == f"{VOICEMODEL}-api-keys"


def test_rest_endpoint_returns_mp3(cluster: str) -> None:
    vm = get("voicemodel", VOICEMODEL)
    assert vm
    key = api_key(VOICEMODEL)
    with port_forward(f"svc/{vm['status']['rayServiceName']}-serve-svc", 8000) as url:
        hello = {"text": "Hello from kind.", "language": "en", "format": "mp3"}
        status, _, _ = http("POST", f"{url}/v1/speech", hello)
        assert status == 401  # authentication is on by default
        status, _, _ = http("POST", f"{url}/v1/speech", hello, key=key + "x")
        assert status == 401
        status, headers, body = http("POST", f"{url}/v1/speech", hello, key=key)
        assert status == 200
        assert headers.get("content-type", "").startswith("audio/mpeg")
        assert looks_like_mp3(body)
        assert len(body) > 1000
        status, headers, body = http(
            "POST",
            f"{url}/v1/audio/speech",
            {"model": VOICEMODEL, "input": "Hola.", "voice": "female_es", "response_format": "mp3"},
            key=key,
        )
        assert status == 200
        assert looks_like_mp3(body)
        status, _, voices = http("GET", f"{url}/v1/voices", key=key)
        assert status == 200
        assert b"male_es" in voices


def test_speechbatch_writes_files_and_counts(cluster: str) -> None:
    kubectl("-n", NAMESPACE, "apply", "-f", str(MANIFESTS / "speechbatch-small.yaml"))
    sb = wait_for(
        "SpeechBatch finished",
        lambda: (
            (s := get("speechbatch", BATCH))
            and (s.get("status") or {}).get("phase") in ("Succeeded", "Failed")
            and s
        ),
        timeout=900,
        interval=5,
    )
    status = sb["status"]
    assert status["phase"] == "Succeeded", status.get("message")
    assert status["counts"] == {"total": 4, "done": 4, "failed": 0, "skipped": 0}
    assert condition(sb, "Complete").get("status") == "True"
    assert get("rayjob", status["rayJobName"])
    # the files, read from the PVC through the Ray head that mounts it
    head = kubectl(
        "-n",
        NAMESPACE,
        "get",
        "pods",
        "-l",
        f"ray.io/node-type=head,voxray.io/voicemodel={VOICEMODEL}",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ).stdout
    script = (
        "import json,pathlib;d=pathlib.Path('/data/audio/batches/small');"
        "f={p.name:[p.stat().st_size,p.read_bytes()[:3].hex()] for p in d.iterdir() if p.is_file()};"
        "print(json.dumps(f));print((d/'manifest.jsonl').read_text())"
    )
    out = kubectl("-n", NAMESPACE, "exec", head, "--", "python", "-c", script).stdout.splitlines()
    files = json.loads(out[0])
    mp3s = {name: meta for name, meta in files.items() if name.endswith(".mp3")}
    assert sorted(mp3s) == sorted(
        ["post_01_female_en-US.mp3", "post_01_male_es.mp3", "post_02_female_en-US.mp3", "post_02_male_es.mp3"]
    )
    for name, (size, head_hex) in mp3s.items():
        assert size > 1000, name
        assert looks_like_mp3(bytes.fromhex(head_hex) + b"\0"), name
    manifest = [json.loads(line) for line in out[1:] if line.strip()]
    assert len(manifest) == 4


def test_autoscaler_follows_the_test_metric(cluster: str) -> None:
    vm = get("voicemodel", VOICEMODEL)
    assert vm
    rs_name = vm["status"]["rayServiceName"]
    set_test_metric(0.95)  # over the 0.8 target: one more replica (max 2)
    wait_for(
        "scale up to 2",
        lambda: (
            ((get("voicemodel", VOICEMODEL) or {}).get("status") or {}).get("replicas", {}).get("desired")
            == 2
        ),
        timeout=300,
    )
    assert model_replicas(get("rayservice", rs_name) or {}) == 2
    scaled = get("voicemodel", VOICEMODEL) or {}
    assert scaled["status"]["lastScaling"]["to"] == 2
    set_test_metric(0.1)  # far under: back to the minimum
    wait_for("scale down to 1", lambda: model_replicas(get("rayservice", rs_name) or {}) == 1, timeout=300)
    with port_forward("svc/metric-stub", 9090) as url:
        _, _, body = http("GET", f"{url}/queries")
    assert any(NAMESPACE in q for q in json.loads(body)), "the autoscaler queried for this VoiceModel"


def test_delete_cleans_up(cluster: str) -> None:
    vm = get("voicemodel", VOICEMODEL)
    sb = get("speechbatch", BATCH)
    assert vm
    assert sb
    rayjob, rayservice = sb["status"]["rayJobName"], vm["status"]["rayServiceName"]
    kubectl("-n", NAMESPACE, "delete", "speechbatch", BATCH, "--wait=true", timeout=300)
    wait_for("RayJob gone", lambda: get("rayjob", rayjob) is None, timeout=300)
    wait_for(
        "batch ConfigMap gone",
        lambda: (
            not kubectl(
                "-n", NAMESPACE, "get", "configmap", "-l", f"voxray.io/speechbatch={BATCH}", "-o", "name"
            ).stdout.strip()
        ),
        timeout=120,
    )
    kubectl("-n", NAMESPACE, "delete", "voicemodel", VOICEMODEL, "--wait=true", timeout=300)
    wait_for("RayService gone", lambda: get("rayservice", rayservice) is None, timeout=300)
    wait_for(
        "Ray pods gone",
        lambda: (
            not kubectl(
                "-n", NAMESPACE, "get", "pods", "-l", f"voxray.io/voicemodel={VOICEMODEL}", "-o", "name"
            ).stdout.strip()
        ),
        timeout=300,
    )
    subprocess.run(
        ["helm", "--kube-context", CONTEXT, "uninstall", "voxray", "-n", OPERATOR_NAMESPACE, "--wait"],
        check=True,
        timeout=300,
    )
    assert get("deployment", "voxray-operator", OPERATOR_NAMESPACE) is None
    leftovers = kubectl(
        "get", "clusterrole,clusterrolebinding", "-l", "app.kubernetes.io/instance=voxray", "-o", "name"
    ).stdout
    assert not leftovers.strip(), leftovers
    kubectl("get", "crd", "voicemodels.voxray.io")  # Helm keeps CRDs (and so the users' objects) on uninstall
