"""Least privilege, checked against the code: the chart's RBAC grants exactly what the operator uses.

What the operator uses is derived from its source, not listed by hand:
- every ``<...>.kube.<verb>(k8s.RESOURCE, ...)`` call (get, list, create, patch, patch_status, delete),
  followed through helpers that take the resource as a parameter (``write_status(ctx, k8s.X, ...)``);
  a kind descriptor's ``<kind>.resource`` stands for every ``resource=k8s.X`` such a descriptor is built
  with (the served kinds share one reconcile);
- kopf's registry after importing the handlers: change handlers and daemons list, watch and patch their
  resource (finalizer, annotations), event handlers list and watch theirs;
- ``kopf.event`` calls post core/v1 events; ownerReferences with blockOwnerDeletion need ``update`` on
  the owners' ``finalizers`` subresource;
- kopf's own observation: CRDs (list, watch), and namespaces (list, watch) in namespaced mode.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from delivery_lib import REPO, by_kind, render

OPERATOR = REPO / "operator" / "voxray_operator"
KUBE_VERBS = {"get": "get", "list": "list", "create": "create", "patch": "patch", "delete": "delete"}
Grant = tuple[str, str, str]  # (apiGroup, resource, verb)
#: kinds with change handlers that own no children (so need no update on their finalizers)
CHILDLESS = {("voxray.io", "lexicons")}


def _resources() -> dict[str, tuple[str, str]]:
    from voxray_operator import k8s

    return {name: (res.group, res.plural) for name, res in vars(k8s).items() if isinstance(res, k8s.Resource)}


def _descriptor_resources() -> set[str]:
    """NAME of every ``resource=k8s.NAME`` keyword a kind descriptor is built with."""
    out: set[str] = set()
    for path in OPERATOR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "resource":
                arg = _resource_arg(node.value)
                if arg is not None and arg[0] == "const":
                    out.add(arg[1])
    return out


def _resource_arg(node: ast.expr) -> tuple[str, str] | None:
    """('const', NAME) for ``k8s.NAME``, ('descriptor', '') for ``<kind>.resource``, ('param', name) for a
    bare name."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "k8s":
        return ("const", node.attr)
    if isinstance(node, ast.Attribute) and node.attr == "resource":
        return ("descriptor", "")
    if isinstance(node, ast.Name):
        return ("param", node.id)
    return None


def _kube_calls() -> set[tuple[str, str]]:
    """(resource constant, verb) of every API call the operator makes, through helper functions too."""
    direct: set[tuple[str, str]] = set()
    # function name -> parameter name -> verbs done with the resource passed there
    by_param: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    # (caller function, callee, position, resource arg) for the propagation
    calls: list[tuple[str, str, int, tuple[str, str]]] = []
    params: dict[str, list[str]] = {}
    served = _descriptor_resources()
    for path in sorted(OPERATOR.rglob("*.py")):
        if path.name == "k8s.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params[func.name] = [a.arg for a in func.args.args]
            for call in ast.walk(func):
                if not isinstance(call, ast.Call) or not call.args:
                    continue
                target = call.func
                arg = _resource_arg(call.args[0])
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr == "kube"
                    and (target.attr in KUBE_VERBS or target.attr == "patch_status")
                    and arg is not None
                ):
                    verb = "patch/status" if target.attr == "patch_status" else KUBE_VERBS[target.attr]
                    if arg[0] == "const":
                        direct.add((arg[1], verb))
                    elif arg[0] == "descriptor":
                        direct |= {(name, verb) for name in served}
                    else:
                        by_param[func.name][arg[1]].add(verb)
                    continue
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
                if name is None:
                    continue
                for pos, node in enumerate(call.args):
                    res = _resource_arg(node)
                    if res is not None:
                        calls.append((func.name, name, pos, res))
    changed = True
    while changed:  # helpers that pass the resource on to other helpers
        changed = False
        for caller, callee, pos, (kind, value) in calls:
            names = params.get(callee, [])
            if pos >= len(names):
                continue
            verbs = by_param.get(callee, {}).get(names[pos], set())
            if kind == "param" and not verbs <= by_param[caller][value]:
                by_param[caller][value] |= verbs
                changed = True
    for _caller, callee, pos, (kind, value) in calls:
        names = params.get(callee, [])
        if kind in ("const", "descriptor") and pos < len(names):
            verbs = by_param.get(callee, {}).get(names[pos], set())
            consts = [value] if kind == "const" else sorted(served)
            direct |= {(const, verb) for const in consts for verb in verbs}
    return direct


def _uses_kopf_events() -> bool:
    for path in OPERATOR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "kopf"
                and node.func.attr in ("event", "info", "warn", "exception")
            ):
                return True
    return False


def required_grants() -> set[Grant]:
    import kopf

    import voxray_operator.handlers  # noqa: F401 - registers the handlers
    from voxray_operator.builders.common import owner_references

    resources = _resources()
    grants: set[Grant] = set()
    for name, verb in _kube_calls():
        group, plural = resources[name]
        if verb == "patch/status":
            grants.add((group, f"{plural}/status", "patch"))
        else:
            grants.add((group, plural, verb))
    registry = kopf.get_default_registry()
    owners: set[tuple[str, str]] = set()
    for handler in (*registry._changing.get_all_handlers(), *registry._spawning.get_all_handlers()):
        sel = handler.selector
        assert sel is not None
        plural = sel.plural or sel.any_name
        grants |= {(sel.group or "", plural, v) for v in ("list", "watch", "patch")}
        owners.add((sel.group or "", plural))
    for handler in registry._watching.get_all_handlers():
        sel = handler.selector
        assert sel is not None
        grants |= {(sel.group or "", sel.plural or sel.any_name, v) for v in ("list", "watch")}
    if _uses_kopf_events():
        grants.add(("", "events", "create"))
    ref = owner_references({"apiVersion": "v", "kind": "K", "metadata": {"name": "n", "uid": "u"}})
    if ref and ref[0].get("blockOwnerDeletion"):
        grants |= {(group, f"{plural}/finalizers", "update") for group, plural in owners - CHILDLESS}
    return grants


def granted(rules: list[dict[str, list[str]]]) -> set[Grant]:
    return {
        (group, resource, verb)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


@pytest.fixture(scope="module")
def needed() -> set[Grant]:
    return required_grants()


def test_derivation_finds_the_operator_calls(needed: set[Grant]) -> None:
    # a derivation that silently found nothing would make the equality below meaningless
    assert ("voxray.io", "voicemodels", "watch") in needed
    assert ("ray.io", "rayservices", "create") in needed
    assert ("voxray.io", "speechbatches/status", "patch") in needed


def test_cluster_wide_rbac_is_exactly_what_the_operator_uses(needed: set[Grant]) -> None:
    roles = by_kind(render({}), "ClusterRole")
    have = set().union(*(granted(r["rules"]) for r in roles))
    kopf_observation = {("apiextensions.k8s.io", "customresourcedefinitions", v) for v in ("list", "watch")}
    assert have - kopf_observation == needed, {
        "granted but unused": sorted(have - kopf_observation - needed),
        "used but not granted": sorted(needed - have),
    }
    assert kopf_observation <= have


def test_namespaced_rbac_is_the_same_per_namespace(needed: set[Grant]) -> None:
    docs = render({"operator": {"watchNamespaces": ["a", "b"]}})
    for role in by_kind(docs, "Role"):
        assert granted(role["rules"]) == needed, role["metadata"]["namespace"]
    (cluster_role,) = by_kind(docs, "ClusterRole")
    assert granted(cluster_role["rules"]) == {
        ("apiextensions.k8s.io", "customresourcedefinitions", "list"),
        ("apiextensions.k8s.io", "customresourcedefinitions", "watch"),
        ("", "namespaces", "list"),
        ("", "namespaces", "watch"),
    }


def test_no_wildcards_anywhere() -> None:
    for values in ({}, {"operator": {"watchNamespaces": ["a"]}}):
        for doc in render(values):
            for rule in doc.get("rules") or []:
                for key in ("apiGroups", "resources", "verbs", "resourceNames"):
                    assert "*" not in (rule.get(key) or []), (doc["kind"], rule)
                assert "nonResourceURLs" not in rule


def test_no_peering_permissions() -> None:
    """kopf runs --standalone (OperatorSettings.standalone, VOXRAY_OPERATOR_STANDALONE=true): no KopfPeering."""
    docs = render({})
    groups = {g for doc in docs for rule in doc.get("rules") or [] for g in rule["apiGroups"]}
    assert "kopf.dev" not in groups
    assert "zalando.org" not in groups
    env = docs_env(docs)
    assert env["VOXRAY_OPERATOR_STANDALONE"] == "true"


def test_bindings_point_at_the_operator_service_account() -> None:
    for values in ({}, {"operator": {"watchNamespaces": ["a"]}}):
        docs = render(values)
        (sa,) = by_kind(docs, "ServiceAccount")
        deployment = by_kind(docs, "Deployment")[0]
        assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == sa["metadata"]["name"]
        for binding in by_kind(docs, "ClusterRoleBinding") + by_kind(docs, "RoleBinding"):
            assert binding["subjects"] == [
                {
                    "kind": "ServiceAccount",
                    "name": sa["metadata"]["name"],
                    "namespace": sa["metadata"]["namespace"],
                }
            ]


def docs_env(docs: list[dict[str, object]]) -> dict[str, str]:
    (deployment,) = by_kind(docs, "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    return {e["name"]: e.get("value", "") for e in container["env"]}


def test_rbac_source_is_the_operator_package() -> None:
    assert (OPERATOR / "k8s.py").is_file()
    assert Path(OPERATOR / "handlers").is_dir()
