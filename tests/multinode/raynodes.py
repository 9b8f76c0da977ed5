"""A Ray cluster of several nodes on this machine: a head and worker nodes, each a separate raylet started
with ``ray start`` on 127.0.0.1 (as a user would), each with a custom resource naming it
(``vxr-head``, ``vxr-w1``, ...) so that placement is visible and can be asked for.

Every process of the cluster runs under one fresh temp dir; ``stop`` ends exactly those (by pid), never
``ray stop`` (which would stop every Ray on the machine). Node death is detected within a few seconds
(the GCS health check is tightened for the test cluster only)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

RAY = str(Path(sys.executable).with_name("ray"))
#: how fast the GCS declares a node whose raylet is gone dead (test cluster only)
HEALTH_ENV = {
    "RAY_health_check_initial_delay_ms": "1000",
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
}
START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_ports(n: int, avoid: frozenset[int] = frozenset()) -> list[int]:
    """``n`` distinct free ports, none in ``avoid`` (ports chosen for this cluster but not bound yet):
    all held open while chosen, so none is handed out twice."""
    socks: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < n:
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
            if port not in avoid:
                ports.append(port)
        return ports
    finally:
        for s in socks:
            s.close()


def node_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(HEALTH_ENV)
    env.update({"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled", "RAY_DEDUP_LOGS": "0"})
    return env


@dataclass
class Node:
    name: str
    cpus: float
    node_manager_port: int
    temp_dir: Path

    @property
    def resource(self) -> str:
        return f"vxr-{self.name}"

    def raylet(self) -> psutil.Process | None:
        """This node's raylet process, if it runs."""
        flag = f"--node_manager_port={self.node_manager_port}"
        for proc in psutil.process_iter(["name", "cmdline"]):
            try:
                cmd = proc.info["cmdline"] or []
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if cmd and cmd[0].endswith("raylet") and flag in cmd:
                return proc
        return None


@dataclass
class RayNodes:
    """The cluster: ``address`` for ``ray.init`` / ``voxray ... --address``; ``nodes`` by name."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="vxr-mn-", dir="/tmp")))
    port: int = field(default_factory=free_port)
    nodes: dict[str, Node] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _start(self, node: Node, head: bool) -> None:
        chosen = frozenset({self.port} | {n.node_manager_port for n in self.nodes.values()})
        om, metrics, agent, agent_grpc, env_agent, client = free_ports(6, avoid=chosen)
        args = [
            RAY, "start", "--disable-usage-stats", "--node-ip-address=127.0.0.1",
            f"--num-cpus={node.cpus:g}", f"--resources={json.dumps({node.resource: 1})}",
            f"--node-manager-port={node.node_manager_port}", f"--object-manager-port={om}",
            f"--metrics-export-port={metrics}", f"--dashboard-agent-listen-port={agent}",
            f"--dashboard-agent-grpc-port={agent_grpc}", f"--runtime-env-agent-port={env_agent}",
            f"--temp-dir={node.temp_dir}",
        ]  # fmt: skip
        if head:
            args += ["--head", f"--port={self.port}", "--include-dashboard=false"]
            args += [f"--ray-client-server-port={client}"]
        else:
            args += [f"--address={self.address}"]
        done = subprocess.run(args, env=node_env(), capture_output=True, text=True, timeout=START_TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"ray start ({node.name}) failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")

    def _port(self) -> int:
        """A node manager port no node of this cluster uses (it names the node's raylet)."""
        used = frozenset({n.node_manager_port for n in self.nodes.values()} | {self.port})
        return free_ports(1, avoid=used)[0]

    def add(self, name: str, cpus: float = 1.0, head: bool = False) -> Node:
        node = Node(name, cpus, self._port(), self.root)
        self.nodes[name] = node
        self._start(node, head)
        return node

    def node_ids(self) -> dict[str, str]:
        """Node name -> Ray node id of the nodes alive now (asked of the GCS from a subprocess)."""
        code = (
            f"import json, ray; ray.init(address={self.address!r}, log_to_driver=False); "
            "print(json.dumps({n['NodeManagerPort']: n['NodeID'] for n in ray.nodes() if n['Alive']}))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=node_env(), capture_output=True, text=True, timeout=60
        )
        by_port = {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}
        return {
            n.name: by_port[n.node_manager_port]
            for n in self.nodes.values()
            if n.node_manager_port in by_port
        }

    def kill(self, name: str) -> int:
        """SIGKILL the node's raylet (the node is lost; its workers follow); returns its pid."""
        proc = self.nodes[name].raylet()
        assert proc is not None, f"no raylet for node {name}"
        proc.send_signal(signal.SIGKILL)
        return proc.pid

    def restart(self, name: str) -> Node:
        """Start node ``name`` again (a new raylet with the same resources, as a replaced machine)."""
        old = self.nodes[name]
        deadline = time.monotonic() + 30
        while old.raylet() is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        node = Node(name, old.cpus, self._port(), self.root)
        self.nodes[name] = node
        self._start(node, head=False)
        return node

    def processes(self) -> list[psutil.Process]:
        """Every process of this cluster (its command line names the cluster's temp dir or session)."""
        mark = str(self.root)
        found = []
        for proc in psutil.process_iter(["cmdline", "environ"]):
            try:
                cmd = " ".join(proc.info["cmdline"] or [])
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if mark in cmd and proc.pid != os.getpid():
                found.append(proc)
        return found

    def stop(self) -> None:
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)
