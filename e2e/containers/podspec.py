"""What KubeRay and the kubelet would run for a rendered pod template, as a container engine's command line.

Pure: no I/O. The e2e driver (``run.py``) feeds it the objects ``voxray render`` prints (RayService, RayJob,
ConfigMap) and the Secrets the operator would generate, and runs the result with podman or Docker, so a
wrong command, env, port, mount or security context in a builder fails there. Nothing here copies a pod
spec: every field comes from the rendered object, and what KubeRay adds is derived the way KubeRay does
(ray-operator/controllers/ray/common/pod.go and job.go, KubeRay 1.x):

- the Ray container's command: ``/bin/bash -c -- "ulimit -n 65536; ray start ..."`` with the group's
  ``rayStartParams`` completed by KubeRay's defaults (``--block``, ``--metrics-export-port=8080``,
  ``--dashboard-agent-listen-port=52365``, the head's ``--dashboard-host=0.0.0.0``, the worker's
  ``--address=<head service>:6379``, ``--num-cpus``/``--memory`` from the container's limits, and
  ``--no-monitor`` on the head when in-tree autoscaling runs the autoscaler as a sidecar);
- the env KubeRay appends (``RAY_ADDRESS``, ``RAY_PORT``, ``FQ_RAY_IP``, ``RAY_CLUSTER_NAME``,
  ``KUBERAY_GEN_RAY_START_CMD``, the RayService timeouts, ...);
- ``/dev/shm`` sized to the memory limit;
- the RayJob submitter's ``ray job status || ray job submit ... -- <entrypoint>`` command.

The kubelet's part: emptyDir, Secret, ConfigMap (also projected) and PVC volumes become host folders (the
caller makes them, see :class:`VolumePlan`); ``runAsUser``/``runAsGroup``/``fsGroup`` become ``--user`` and
``--group-add``; ``readOnlyRootFilesystem`` becomes ``--read-only`` without podman's extra tmpfs mounts
(Kubernetes adds none); ``capabilities.drop: [ALL]`` becomes ``--cap-drop ALL``;
``allowPrivilegeEscalation: false`` becomes ``no-new-privileges``; limits become ``--memory``/``--cpus``.
``runAsNonRoot`` is checked, not just passed on: a pod that would run as root is an error here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Obj = dict[str, Any]
NodeType = Literal["head", "worker"]

#: KubeRay's defaults (ray-operator/controllers/ray/utils/constant.go)
DEFAULT_METRICS_PORT = 8080
DEFAULT_DASHBOARD_AGENT_LISTEN_PORT = 52365
DEFAULT_GCS_PORT = 6379
DEFAULT_DASHBOARD_PORT = 8265
#: utils.GetContainerCommand: a login shell (-l) only where KubeRay runs with ENABLE_LOGIN_SHELL=true
RAY_CONTAINER_COMMAND = ["/bin/bash", "-c", "--"]
SUBMITTER_COMMAND = ["/bin/bash", "-ce", "--"]
ULIMIT = "ulimit -n 65536"

_SUFFIXES: dict[str, Decimal] = {
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "m": Decimal("0.001"),
    "": Decimal(1),
}


class PodSpecError(ValueError):
    """A rendered pod template that Kubernetes/KubeRay would refuse or run differently than intended."""


def quantity(value: str | int | float) -> Decimal:
    """A Kubernetes resource quantity (``2Gi``, ``500m``, ``0.25``, ``1``) as a number."""
    match = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(value).strip())
    if not match or match.group(2) not in _SUFFIXES:
        raise PodSpecError(f"not a resource quantity: {value!r}")
    return Decimal(match.group(1)) * _SUFFIXES[match.group(2)]


def _ceil(value: Decimal) -> int:
    """resource.Quantity.Value(): rounds up to an integer."""
    whole = int(value)
    return whole if whole == value else whole + 1


def head_service(cluster: str, namespace: str) -> str:
    """The fully qualified name of the head's Service (KubeRay's ``<cluster>-head-svc``)."""
    return f"{cluster}-head-svc.{namespace}.svc.cluster.local"


def ray_start_params(
    node_type: NodeType,
    params: Mapping[str, Any],
    resources: Mapping[str, Any],
    *,
    head_address: str | None = None,
    autoscaling: bool = False,
) -> dict[str, str]:
    """``rayStartParams`` as KubeRay completes them (setMissingRayStartParams + generateRayStartCommand)."""
    out = {str(k): str(v) for k, v in params.items()}
    if node_type == "worker":
        if "address" not in out:
            if head_address is None:
                raise PodSpecError("a worker needs the head's address")
            out["address"] = head_address
    else:
        out.setdefault("dashboard-host", "0.0.0.0")
        if autoscaling:
            out["no-monitor"] = "true"
    out.setdefault("metrics-export-port", str(DEFAULT_METRICS_PORT))
    out["block"] = "true"
    out.setdefault("dashboard-agent-listen-port", str(DEFAULT_DASHBOARD_AGENT_LISTEN_PORT))
    limits = resources.get("limits") or {}
    requests = resources.get("requests") or {}
    if "num-cpus" not in out:
        cpu = limits.get("cpu") or requests.get("cpu")
        if cpu is not None and quantity(cpu) != 0:
            out["num-cpus"] = str(_ceil(quantity(cpu)))
    if "memory" not in out and limits.get("memory") is not None:
        out["memory"] = str(_ceil(quantity(limits["memory"])))
    for key, value in sorted(limits.items()):
        if "num-gpus" not in out and str(key).endswith("gpu") and quantity(value) != 0:
            out["num-gpus"] = str(_ceil(quantity(value)))
    return out


def ray_start_command(node_type: NodeType, params: Mapping[str, str]) -> str:
    """KubeRay's ``ray start`` line: flags sorted, ``true`` as a bare flag, ``false`` left out."""
    flags = []
    for option in sorted(params):
        argument = params[option]
        if argument.lower() in ("true", "false") and option not in ("log-color", "include-dashboard"):
            if argument.lower() == "true":
                flags.append(f"--{option}")
        else:
            flags.append(f"--{option}={argument}")
    head = " --head" if node_type == "head" else ""
    return f"ray start{head} {' '.join(flags)}"


def kuberay_env(
    node_type: NodeType,
    *,
    cluster: str,
    group: str,
    pod_name: str,
    head_fqdn: str,
    start_command: str,
    rayservice: bool,
    existing: Sequence[str] = (),
    head_port: int = DEFAULT_GCS_PORT,
) -> list[tuple[str, str]]:
    """The env KubeRay appends to the Ray container (setContainerEnvVars), fieldRefs resolved."""
    env: list[tuple[str, str]] = []
    ip = "127.0.0.1" if node_type == "head" else head_fqdn
    if node_type == "worker":
        env += [("FQ_RAY_IP", ip), ("RAY_IP", ip.split(".")[0])]
    env += [
        ("RAY_CLUSTER_NAME", cluster),
        ("RAY_CLOUD_INSTANCE_ID", pod_name),
        ("RAY_NODE_TYPE_NAME", group),
        ("KUBERAY_GEN_RAY_START_CMD", start_command),
    ]
    have = set(existing)

    def add(name: str, value: str) -> None:
        if name not in have:
            env.append((name, value))
            have.add(name)

    add("RAY_PORT", str(head_port))
    if rayservice:
        add("RAY_TIMEOUT_MS_TASK_WAIT_FOR_DEATH_INFO", "0")
        add("RAY_gcs_server_request_timeout_seconds", "5")
        add("RAY_SERVE_KV_TIMEOUT_S", "5")
    add("RAY_ADDRESS", f"{ip}:{head_port}")
    add("RAY_USAGE_STATS_KUBERAY_IN_USE", "1")
    add("RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE", "1")
    return env


def job_submit_command(rayjob: Mapping[str, Any], dashboard: str, submission_id: str) -> str:
    """The submitter's shell line for a K8sJobMode RayJob (GetK8sJobCommand)."""
    spec = rayjob["spec"]
    address = dashboard if dashboard.startswith("http://") else f"http://{dashboard}"
    parts = ["if", "ray", "job", "status", "--address", address, submission_id, ">/dev/null", "2>&1", ";"]
    parts += ["then", "ray", "job", "logs", "--address", address, "--follow", submission_id, ";"]
    parts += ["else", "ray", "job", "submit", "--address", address]
    runtime_env_yaml = spec.get("runtimeEnvYAML")
    if runtime_env_yaml:
        import yaml

        parts += ["--runtime-env-json", json.dumps(json.dumps(yaml.safe_load(runtime_env_yaml)))]
    if spec.get("metadata"):
        parts += ["--metadata-json", json.dumps(json.dumps(spec["metadata"]))]
    parts += ["--submission-id", submission_id]
    if spec.get("entrypointNumCpus"):
        parts += ["--entrypoint-num-cpus", f"{float(spec['entrypointNumCpus']):f}"]
    parts += ["--", str(spec["entrypoint"]).strip(), ";", "fi"]
    return " ".join(parts)


@dataclass
class VolumePlan:
    """A pod volume the caller materializes as a host folder (the kubelet's part)."""

    name: str
    kind: Literal["emptyDir", "secret", "configMap", "persistentVolumeClaim"]
    #: emptyDir: per pod; PVC: the claim name (shared by every pod that names it); secret/configMap: files
    claim: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    mode: int = 0o644


def plan_volumes(
    pod_spec: Mapping[str, Any], secrets: Mapping[str, Obj], config_maps: Mapping[str, Obj]
) -> dict[str, VolumePlan]:
    """Each volume of the pod as a :class:`VolumePlan`; a missing Secret/ConfigMap or key is an error."""
    import base64

    def items_of(source: Mapping[str, Any], data: Mapping[str, bytes], what: str) -> dict[str, bytes]:
        items = source.get("items")
        if not items:
            return dict(data)
        out = {}
        for item in items:
            if item["key"] not in data:
                raise PodSpecError(f"{what} has no key {item['key']!r}")
            out[item.get("path", item["key"])] = data[item["key"]]
        return out

    def secret_data(name: str) -> dict[str, bytes]:
        if name not in secrets:
            raise PodSpecError(f"Secret {name} does not exist (the pod would not start)")
        secret = secrets[name]
        data = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
        data.update({k: v.encode() for k, v in (secret.get("stringData") or {}).items()})
        return data

    def config_map_data(name: str) -> dict[str, bytes]:
        if name not in config_maps:
            raise PodSpecError(f"ConfigMap {name} does not exist (the pod would not start)")
        return {k: str(v).encode() for k, v in (config_maps[name].get("data") or {}).items()}

    plans: dict[str, VolumePlan] = {}
    for volume in pod_spec.get("volumes") or []:
        name = volume["name"]
        if "emptyDir" in volume:
            plans[name] = VolumePlan(name, "emptyDir", mode=0o777)
        elif "persistentVolumeClaim" in volume:
            plans[name] = VolumePlan(
                name, "persistentVolumeClaim", claim=volume["persistentVolumeClaim"]["claimName"]
            )
        elif "secret" in volume:
            src = volume["secret"]
            files = items_of(src, secret_data(src["secretName"]), f"Secret {src['secretName']}")
            plans[name] = VolumePlan(name, "secret", files=files, mode=int(src.get("defaultMode", 0o644)))
        elif "configMap" in volume:
            src = volume["configMap"]
            files = items_of(src, config_map_data(src["name"]), f"ConfigMap {src['name']}")
            plans[name] = VolumePlan(name, "configMap", files=files, mode=int(src.get("defaultMode", 0o644)))
        elif "projected" in volume:
            files = {}
            for source in volume["projected"].get("sources") or []:
                if "configMap" in source:
                    src = source["configMap"]
                    files.update(items_of(src, config_map_data(src["name"]), f"ConfigMap {src['name']}"))
                elif "secret" in source:
                    src = source["secret"]
                    files.update(items_of(src, secret_data(src["name"]), f"Secret {src['name']}"))
                else:
                    raise PodSpecError(f"volume {name}: projected source {sorted(source)} is not emulated")
            mode = int(volume["projected"].get("defaultMode", 0o644))
            plans[name] = VolumePlan(name, "configMap", files=files, mode=mode)
        else:
            raise PodSpecError(f"volume {name}: {sorted(k for k in volume if k != 'name')} is not emulated")
    return plans


@dataclass
class ContainerRun:
    """One container as the engine runs it."""

    name: str
    image: str
    entrypoint: list[str] | None
    args: list[str] | None
    env: list[tuple[str, str]]
    ports: dict[str, int]
    #: (volume name, mount path, read-only)
    mounts: list[tuple[str, str, bool]]
    user: str | None
    groups: list[int]
    read_only_root: bool
    cap_drop: list[str]
    cap_add: list[str]
    no_new_privileges: bool
    seccomp_unconfined: bool
    memory_bytes: int | None
    cpus: Decimal | None
    shm_bytes: int | None
    workdir: str | None = None
    hosts: dict[str, str] = field(default_factory=dict)


def _merged_security(pod_spec: Mapping[str, Any], container: Mapping[str, Any]) -> dict[str, Any]:
    merged = {
        k: v
        for k, v in (pod_spec.get("securityContext") or {}).items()
        if k in ("runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile")
    }
    merged.update(container.get("securityContext") or {})
    return merged


def _env(
    container: Mapping[str, Any],
    metadata: Mapping[str, Any],
    secrets: Mapping[str, Obj],
    config_maps: Mapping[str, Obj],
) -> list[tuple[str, str]]:
    import base64

    out: list[tuple[str, str]] = []
    for item in container.get("env") or []:
        if "value" in item:
            out.append((item["name"], str(item["value"])))
            continue
        source = item.get("valueFrom") or {}
        if "fieldRef" in source:
            path = source["fieldRef"]["fieldPath"]
            labels = metadata.get("labels") or {}
            label = re.fullmatch(r"metadata\.labels\['(.+)'\]", path)
            if path in ("metadata.name", "metadata.namespace"):
                out.append((item["name"], str(metadata.get(path.split(".")[1], ""))))
            elif label:
                out.append((item["name"], str(labels.get(label.group(1), ""))))
            else:
                raise PodSpecError(f"env {item['name']}: fieldRef {path} is not emulated")
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            data = (secrets.get(ref["name"]) or {}).get("data") or {}
            if ref["key"] not in data:
                if ref.get("optional"):
                    continue
                raise PodSpecError(
                    f"env {item['name']}: Secret {ref['name']} key {ref['key']} does not exist"
                )
            out.append((item["name"], base64.b64decode(data[ref["key"]]).decode()))
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            data = (config_maps.get(ref["name"]) or {}).get("data") or {}
            if ref["key"] not in data:
                if ref.get("optional"):
                    continue
                raise PodSpecError(
                    f"env {item['name']}: ConfigMap {ref['name']} key {ref['key']} does not exist"
                )
            out.append((item["name"], str(data[ref["key"]])))
        else:
            raise PodSpecError(f"env {item['name']}: {sorted(source)} is not emulated")
    return out


def container_run(
    pod_template: Mapping[str, Any],
    container_name: str,
    *,
    run_name: str,
    image_user: int | None = None,
    secrets: Mapping[str, Obj] | None = None,
    config_maps: Mapping[str, Obj] | None = None,
    pod_name: str | None = None,
    namespace: str = "default",
) -> ContainerRun:
    """The container ``container_name`` of a pod template, with the kubelet's reading of its pod spec.

    ``image_user``: the image's numeric USER, to check ``runAsNonRoot`` when the pod sets no ``runAsUser``.
    """
    spec = pod_template.get("spec") or {}
    metadata = {**(pod_template.get("metadata") or {}), "name": pod_name or run_name, "namespace": namespace}
    containers = {c["name"]: c for c in spec.get("containers") or []}
    if container_name not in containers:
        raise PodSpecError(f"no container {container_name!r} (there are {sorted(containers)})")
    container = containers[container_name]
    sec = _merged_security(spec, container)
    uid = sec.get("runAsUser", image_user)
    if sec.get("runAsNonRoot"):
        if uid is None:
            raise PodSpecError(f"{container_name}: runAsNonRoot with no numeric user: the kubelet refuses it")
        if int(uid) == 0:
            raise PodSpecError(f"{container_name}: runAsNonRoot but the user is 0")
    if sec.get("privileged"):
        raise PodSpecError(f"{container_name}: privileged containers are not allowed")
    user = None
    if uid is not None:
        user = f"{uid}:{sec['runAsGroup']}" if "runAsGroup" in sec else str(uid)
    groups = [int(g) for g in (spec.get("securityContext") or {}).get("supplementalGroups") or []]
    fs_group = (spec.get("securityContext") or {}).get("fsGroup")
    if fs_group is not None:
        groups.append(int(fs_group))
    caps = sec.get("capabilities") or {}
    seccomp = (sec.get("seccompProfile") or {}).get("type", "RuntimeDefault")
    if seccomp not in ("RuntimeDefault", "Unconfined"):
        raise PodSpecError(f"{container_name}: seccompProfile {seccomp} is not emulated")
    limits = (container.get("resources") or {}).get("limits") or {}
    memory = _ceil(quantity(limits["memory"])) if "memory" in limits else None
    volumes = {v["name"] for v in spec.get("volumes") or []}
    mounts = []
    for mount in container.get("volumeMounts") or []:
        if mount["name"] not in volumes:
            raise PodSpecError(f"{container_name}: volumeMount {mount['name']} names no volume of the pod")
        if mount.get("subPath"):
            raise PodSpecError(f"{container_name}: volumeMount {mount['name']}: subPath is not emulated")
        mounts.append((mount["name"], mount["mountPath"], bool(mount.get("readOnly"))))
    paths = [m[1] for m in mounts]
    if len(paths) != len(set(paths)):
        raise PodSpecError(f"{container_name}: two volumes are mounted at the same path: {paths}")
    ports: dict[str, int] = {}
    for port in container.get("ports") or []:
        ports[port.get("name") or str(port["containerPort"])] = int(port["containerPort"])
    return ContainerRun(
        name=run_name,
        image=container["image"],
        entrypoint=list(container["command"]) if container.get("command") else None,
        args=list(container["args"]) if container.get("args") else None,
        env=_env(container, metadata, secrets or {}, config_maps or {}),
        ports=ports,
        mounts=mounts,
        user=user,
        groups=groups,
        read_only_root=bool(sec.get("readOnlyRootFilesystem")),
        cap_drop=[str(c) for c in caps.get("drop") or []],
        cap_add=[str(c) for c in caps.get("add") or []],
        no_new_privileges=sec.get("allowPrivilegeEscalation") is False,
        seccomp_unconfined=seccomp == "Unconfined",
        memory_bytes=memory,
        cpus=quantity(limits["cpu"]) if "cpu" in limits else None,
        shm_bytes=None,
        workdir=container.get("workingDir"),
    )


def ray_container_run(
    group_spec: Mapping[str, Any],
    node_type: NodeType,
    *,
    cluster: str,
    namespace: str,
    run_name: str,
    rayservice: bool,
    autoscaling: bool = False,
    secrets: Mapping[str, Obj] | None = None,
    config_maps: Mapping[str, Obj] | None = None,
    image_user: int | None = None,
) -> ContainerRun:
    """The Ray container (the first) of a head group or worker group as KubeRay builds its pod."""
    template = group_spec["template"]
    containers = template["spec"]["containers"]
    container = containers[0]
    group = "headgroup" if node_type == "head" else str(group_spec["groupName"])
    run = container_run(
        template,
        container["name"],
        run_name=run_name,
        image_user=image_user,
        secrets=secrets,
        config_maps=config_maps,
        namespace=namespace,
    )
    fqdn = head_service(cluster, namespace)
    params = ray_start_params(
        node_type,
        group_spec.get("rayStartParams") or {},
        container.get("resources") or {},
        head_address=f"{fqdn}:{DEFAULT_GCS_PORT}",
        autoscaling=autoscaling and node_type == "head",
    )
    start = ray_start_command(node_type, params)
    user_cmd = " ".join(f" {c} " for c in [*(container.get("command") or []), *(container.get("args") or [])])
    if "ray start" not in user_cmd:
        run.entrypoint = list(RAY_CONTAINER_COMMAND)
        generated = f"{ULIMIT}; {start}"
        run.args = [f"{user_cmd} && {generated}" if user_cmd.strip() else generated]
    run.env += kuberay_env(
        node_type,
        cluster=cluster,
        group=group,
        pod_name=run_name,
        head_fqdn=fqdn,
        start_command=start,
        rayservice=rayservice,
        existing=[name for name, _ in run.env],
    )
    run.shm_bytes = run.memory_bytes
    return run


def engine_args(
    run: ContainerRun, host_paths: Mapping[str, str], *, network: str | None = None, engine: str = "podman"
) -> list[str]:
    """``<engine> run`` arguments (without ``run`` itself) for ``run``; ``host_paths``: volume -> folder.

    Works for podman and Docker: the entrypoint is its first word (``--entrypoint`` takes one executable in
    Docker) and the rest of it goes before the args; a read-only root gets no tmpfs mounts (podman adds
    some unless told not to, Docker none, Kubernetes none)."""
    args = ["--name", run.name, "--detach"]
    if network:
        args += ["--network", network]
    if run.user is not None:
        args += ["--user", run.user]
    for group in run.groups:
        args += ["--group-add", str(group)]
    if run.read_only_root:
        args += ["--read-only", "--read-only-tmpfs=false"] if engine == "podman" else ["--read-only"]
    for cap in run.cap_drop:
        args += ["--cap-drop", cap]
    for cap in run.cap_add:
        args += ["--cap-add", cap]
    if run.no_new_privileges:
        args += ["--security-opt", "no-new-privileges"]
    if run.seccomp_unconfined:
        args += ["--security-opt", "seccomp=unconfined"]
    if run.memory_bytes is not None:
        args += ["--memory", str(run.memory_bytes)]
    if run.cpus is not None:
        args += ["--cpus", str(run.cpus)]
    if run.shm_bytes is not None:
        args += ["--shm-size", str(run.shm_bytes)]
    for host, ip in sorted(run.hosts.items()):
        args += ["--add-host", f"{host}:{ip}"]
    for port in sorted(set(run.ports.values())):
        args += ["--publish", f"127.0.0.1::{port}"]
    for name, value in run.env:
        args += ["--env", f"{name}={value}"]
    for volume, path, read_only in run.mounts:
        if volume not in host_paths:
            raise PodSpecError(f"volume {volume} has no host folder")
        args += ["--volume", f"{host_paths[volume]}:{path}:{'ro' if read_only else 'rw'}"]
    if run.workdir:
        args += ["--workdir", run.workdir]
    if run.entrypoint:
        args += ["--entrypoint", run.entrypoint[0]]
    args.append(run.image)
    args += [*(run.entrypoint or [])[1:], *(run.args or [])]
    return args
