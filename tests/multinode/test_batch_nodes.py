"""The batch driver on a multi-node Ray cluster (``voxray batch --address``): work spreads over the
nodes; a worker node's raylet SIGKILLed mid-batch costs retries on the nodes left, never a hang or a
missing file, and the pool grows back onto the node when it returns; work pinned to a node that never returns fails with its reason within the deadline."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.batch.helpers import SHORT_POSTS, write_doc
from tests.faults.faultkit import eventually
from voxray_runtime.batch.cli import EXIT_FAILED, EXIT_OK, load_speechbatch
from voxray_runtime.voices.avatars import ALL_AVATARS

from .driver import Output, check_output, finish, voxray
from .raynodes import RayNodes

pytestmark = [pytest.mark.multinode, pytest.mark.timeout(420)]

#: the batch a new user tried: 2 posts x 18 avatars; texts said over several times, so that the batch
#: outlasts the seconds Ray takes to declare a node dead (espeak-ng renders short posts in milliseconds)
LONG_POSTS = [{**p, "texts": {k: " ".join([v] * 12) for k, v in p["texts"].items()}} for p in SHORT_POSTS]
SPEC = {
    "input": {"items": LONG_POSTS},
    "variants": {"all": True},
    "retries": {"maxAttempts": 3, "backoffSeconds": 0.2},
}


def expected_files(spec_path: Path) -> set[str]:
    load_speechbatch(spec_path)
    return {f"post_{i:02d}_{a.gender}_{a.locale}.mp3" for i in (1, 2) for a in ALL_AVATARS}


def test_batch_spreads_over_nodes_survives_a_lost_node_and_grows_back(
    whole: RayNodes, espeak_model: Path, tmp_path: Path
) -> None:
    path = write_doc(tmp_path / "batch.yaml", SPEC)
    out = tmp_path / "out"
    expected = expected_files(path)
    assert len(expected) == 36
    ids = whole.node_ids()
    t0 = time.monotonic()
    proc = voxray(
        "batch", "-f", str(path), "-m", str(espeak_model), "--address", whole.address,
        "--out", str(out), "--progress", "plain", "--concurrency", "3",
    )  # fmt: skip
    log = Output(proc)
    eventually(lambda: len(list(out.glob("*.mp3"))) >= 8, timeout_s=180, what="8 files written")
    # the node stays away for a while: its worker's replacement cannot be placed (each node has 1 CPU,
    # held by its own worker), so the pool works on with the two workers left...
    whole.kill("w1")
    eventually(lambda: "lost" in log.text(), timeout_s=60, what="the worker's loss seen")
    at_loss = len(list(out.glob("*.mp3")))
    eventually(lambda: len(list(out.glob("*.mp3"))) >= at_loss + 4, timeout_s=120, what="4 more files")
    # ...then returns (a new raylet, a new node id): the pending replacement starts there and takes work
    at_return = len(list(out.glob("*.mp3")))
    whole.restart("w1")
    new_id = whole.node_ids()["w1"]
    code = finish(proc, log, timeout_s=240)
    wall = time.monotonic() - t0
    assert code == EXIT_OK, log.text()[-4000:]

    entries, summary = check_output(out, expected)
    counts = (summary["total"], summary["files"], summary["failed"], summary["missing"])
    assert counts == (36, 36, 0, 0), log.text()[-3000:]
    # the work ran on more than one node, and the node killed had done some of it
    assert len(summary["nodes"]) >= 2, summary["nodes"]
    assert sum(summary["nodes"].values()) == summary["rendered"]
    # what was lost is said: the worker lost with its node, and each file retried (with why)
    facts = (ids, new_id, summary["nodes"], summary["pool_changes"], log.text()[-3000:])
    assert summary["nodes"].get(ids["w1"], 0) > 0, facts
    events = [c["event"] for c in summary["pool_changes"]]
    assert "lost" in events, facts
    for row in summary["retried"]:
        assert row["error_type"], row
        assert row["error"], row
    retried = {r["name"] for r in summary["retried"]}
    assert all(e["attempts"] >= 2 for e in entries if e["name"] in retried)
    assert (out / "failures.jsonl").read_text() == ""
    # the pool grew back onto the returned node: the replacement said back there, a worker and files there
    assert "back" in events, facts
    assert any(new_id in c["reason"] for c in summary["pool_changes"] if c["event"] == "back"), facts
    assert new_id in [w["node"] for w in summary["workers"]], facts
    assert summary["nodes"].get(new_id, 0) > 0, facts
    assert "back" in log.text()
    print(
        f"36 files, node lost after 8 ({at_loss} when seen), back after {at_return}: {wall:.1f} s; "
        f"retried {sorted(retried)}; nodes {summary['nodes']}"
    )


@pytest.mark.parametrize("design", ["actors", "tasks"])
def test_work_pinned_to_a_node_that_never_returns_fails_with_its_reason(
    whole: RayNodes, espeak_model: Path, tmp_path: Path, design: str
) -> None:
    path = write_doc(tmp_path / "batch.yaml", SPEC)
    out = tmp_path / "out"
    expected = expected_files(path)
    deadline_s = 8.0
    proc = voxray(
        "batch", "-f", str(path), "-m", str(espeak_model), "--address", whole.address,
        "--out", str(out), "--progress", "plain", "--concurrency", "1", "--design", design,
        "--worker-resources", json.dumps({whole.nodes["w2"].resource: 1}),
        "--item-timeout", str(deadline_s),
    )  # fmt: skip
    log = Output(proc)
    eventually(lambda: len(list(out.glob("*.mp3"))) >= 2, timeout_s=180, what="2 files written")
    whole.kill("w2")
    t_kill = time.monotonic()
    code = finish(proc, log, timeout_s=120)
    waited = time.monotonic() - t_kill
    assert code == EXIT_FAILED, log.text()[-4000:]
    # bounded: node death seen (seconds), one retry's backoff, then one deadline of standing with no worker
    assert waited < 60, (waited, log.text()[-3000:])

    summary = json.loads((out / "summary.json").read_text())
    written = {e["name"] for e in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}
    check_output(out, written)
    failures = summary["failures"]
    assert summary["files"] + summary["failed"] == 36
    assert {f["name"] for f in failures} == expected - written
    assert summary["failed"] > 0
    for f in failures:
        assert f["error_type"] in {"NoWorkerPlaceable", "DeadlineExceeded"}, f
        assert whole.nodes["w2"].resource in f["error"] or "abandoned" in f["error"], f
    lines = (out / "failures.jsonl").read_text().splitlines()
    assert len(lines) == summary["failed"]
    print(f"{design}: failed {summary['failed']} within {waited:.1f} s of the node's loss")
