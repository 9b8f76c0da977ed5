"""A generating SpeechBatch on a multi-node Ray cluster: its posts written by a TextModel that
``voxray serve --address`` placed on a worker node, that node's raylet SIGKILLed mid-generation (or the
node of the app's ingress).

The TextModel's replica asks for a whole CPU and the head's CPU is held by the test, so the replica lands
on a worker node and the ingress on the other; the lost replica (or ingress) can only come back on its
node when it returns. The batch must complete: the request in flight when the node died is retried (503
with Retry-After, a 500 naming the lost actor, or a dropped connection) until it is back, and the summary
says what was retried. Bounded: the client's recovery window and the test's timeouts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.batch.helpers import write_doc
from tests.faults.faultkit import eventually
from tests.generation.helpers import BRIEF
from voxray_runtime.batch.cli import EXIT_OK
from voxray_runtime.serve.args import INGRESS_DEPLOYMENT

from .driver import Output, check_output, finish, voxray
from .raynodes import RayNodes, free_port, node_env

pytestmark = [pytest.mark.multinode, pytest.mark.timeout(420)]

LLM_REPLICA = "ServeReplica:voxray:LLM-writer"
INGRESS_REPLICA = f"ServeReplica:voxray:{INGRESS_DEPLOYMENT}"
HOLD = "vxr-hold-head"
#: the packaged Gemma 3 270M on one thread, a whole CPU per replica (so it never shares a node)
WRITER = {
    "apiVersion": "voxray.io/v1alpha1",
    "kind": "TextModel",
    "metadata": {"name": "writer"},
    "spec": {
        "weights": {"source": "packaged"},
        "contextLength": 1024,
        "replicas": {"min": 1, "max": 1},
        "resources": {"cpu": 1.0},
        "serving": {"maxConcurrentSequences": 1, "maxQueue": 4, "threads": 1},
    },
}
POSTS = 6
SPEC = {
    "generate": {
        "textModel": "writer",
        "brief": BRIEF,
        "count": POSTS,
        "languages": ["en"],
        "seed": 7,
        "maxTokens": 40,
    },
    "variants": {"avatars": ["female_en-US"]},
    "retries": {"maxAttempts": 6, "backoffSeconds": 0.1},
}


def ray_call(nodes: RayNodes, body: str, timeout_s: float = 90) -> str:
    """Run ``body`` in a subprocess joined to the cluster (namespace vxr-test); its last output line."""
    code = (
        f"import json, ray; ray.init(address={nodes.address!r}, namespace='vxr-test', log_to_driver=False)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code + body], env=node_env(), capture_output=True, text=True, timeout=timeout_s
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def serve_replicas(nodes: RayNodes, class_name: str = LLM_REPLICA) -> list[str]:
    """Node names of a deployment's ALIVE replicas (the text model's by default)."""
    out = ray_call(
        nodes,
        "from ray._private import state\n"
        "print(json.dumps([a['Address']['NodeID'] for a in state.actors().values() if "
        f"a['ActorClassName'] == {class_name!r} and a['State'] == 'ALIVE']))",
    )
    ids = {v: k for k, v in nodes.node_ids().items()}
    return sorted(ids.get(n, n) for n in json.loads(out))


@pytest.fixture
def head_held(whole: RayNodes) -> Iterator[RayNodes]:
    """The head's CPU held by a detached actor for the test (no replica can land there)."""
    ray_call(
        whole,
        "@ray.remote(num_cpus=1, resources={'vxr-head': 1})\nclass Hold:\n    def ping(self): return 1\n"
        f"h = Hold.options(name={HOLD!r}, lifetime='detached').remote(); print(ray.get(h.ping.remote()))",
    )
    try:
        yield whole
    finally:
        ray_call(whole, f"ray.kill(ray.get_actor({HOLD!r})); print('released')")


@pytest.fixture
def text_server(head_held: RayNodes, tmp_path: Path) -> Iterator[str]:
    model = tmp_path / "writer.yaml"
    model.write_text(yaml.safe_dump(WRITER, sort_keys=False), encoding="utf-8")
    port = free_port()
    proc = voxray(
        "serve", "-f", str(model), "--address", head_held.address, "--host", "127.0.0.1", "--port", str(port),
        "--no-stt", "--output-dir", str(tmp_path / "audio"),
    )  # fmt: skip
    log = Output(proc)
    try:
        eventually(
            lambda: "is serving on" in log.text() or proc.poll() is not None, timeout_s=240, what="serve"
        )
        assert proc.poll() is None, log.text()[-3000:]
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        ray_call(head_held, "from ray import serve; serve.shutdown(); print('down')", timeout_s=120)


@pytest.mark.parametrize("lose", ["replica", "ingress"])
def test_generation_on_a_lost_node_is_retried_when_its_replica_returns(
    head_held: RayNodes, text_server: str, espeak_model: Path, tmp_path: Path, lose: str
) -> None:
    """``replica``: the node of the TextModel's replica is lost (the ingress answers 503 + Retry-After);
    ``ingress``: the node of the app's ingress (Serve's proxy answers 500 naming the lost actor, or the
    connection drops with the node's proxy). Either comes back only on the returned node."""
    nodes = head_held
    placed = {"replica": serve_replicas(nodes), "ingress": serve_replicas(nodes, INGRESS_REPLICA)}
    assert sorted(placed["replica"] + placed["ingress"]) == ["w1", "w2"], placed
    victim = placed[lose][0]
    path = write_doc(tmp_path / "batch.yaml", SPEC)
    out = tmp_path / "out"
    t0 = time.monotonic()
    proc = voxray(
        "batch", "-f", str(path), "-m", str(espeak_model), "--address", nodes.address, "--out", str(out),
        "--text-url", text_server, "--text-model-id", "writer", "--progress", "plain",
        "--cpus", "0.3", "--concurrency", "1",
    )  # fmt: skip
    log = Output(proc)

    def posts_written() -> int:
        f = out / "posts.jsonl"
        return len(f.read_text(encoding="utf-8").splitlines()) if f.is_file() else 0

    # the first post written: the next one is being written on the victim's replica
    eventually(lambda: posts_written() >= 1, timeout_s=180, what="the first post written")
    nodes.kill(victim)
    t_kill = time.monotonic()
    # the batch waits for the text model, never fails meanwhile: the request in flight on the lost replica
    # is answered 503 and retried (said on its output); one sent to a lost ingress waits in Serve's proxy
    # (or is answered 500 naming the lost actor, or its connection drops with the node's proxy: retried)
    if lose == "replica":
        eventually(lambda: "text model: " in log.text(), timeout_s=60, what="a retry of the text model")
    else:
        time.sleep(10)
    assert proc.poll() is None, log.text()[-3000:]
    written_while_lost = posts_written()
    # the node returns: the replica (which no other node can place) comes back on it
    nodes.restart(victim)
    t_back = time.monotonic()
    code = finish(proc, log, timeout_s=300)
    wall = time.monotonic() - t0
    assert code == EXIT_OK, log.text()[-4000:]
    assert {"replica": serve_replicas(nodes), "ingress": serve_replicas(nodes, INGRESS_REPLICA)} == placed
    new_id = nodes.node_ids()[victim]

    expected = {f"post_{i:02d}_female_en-US.mp3" for i in range(1, POSTS + 1)}
    _entries, summary = check_output(out, expected)
    assert (summary["files"], summary["failed"], summary["missing"]) == (POSTS, 0, 0)
    gen = summary["generation"]
    assert (gen["posts_written"], gen["failed"]) == (POSTS, 0), gen
    if lose == "replica":
        assert gen["retried"], gen
    for r in gen["retried"]:
        assert r["reason"], r
        assert r["path"] == "/completions", r
    assert posts_written() == POSTS
    print(
        f"{lose}: {POSTS} posts + files in {wall:.1f} s; node {victim} lost at {t_kill - t0:.1f} s with "
        f"{written_while_lost} post(s) written; back on {new_id[:8]} after {t_back - t_kill:.1f} s, "
        f"done {time.monotonic() - t_back:.1f} s later; retried "
        f"{[r['reason'][:60] for r in gen['retried']]}"
    )
    print("\n".join(x.rstrip() for x in log.lines if "text model" in x or x.startswith(("posts:", "wrote"))))
