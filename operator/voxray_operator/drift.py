"""PURE drift detection: does a child object still hold what the builder wants, and the patch if not.

The content compared is every top-level key the builder sets besides metadata (``spec``, a ConfigMap's
``data``), plus the labels, annotations and owner references it sets.

"Holds" means: every field the builder sets has the built value. Fields the builder never sets are left
alone: the API server fills defaults there (``protocol: TCP`` in container ports, ``backoffLimit`` in a
RayJob), and comparing them would make the operator fight the API server forever. Lists must match
element by element (an extra worker group someone added by hand is drift; the merge patch replaces the
whole list). ``serveConfigV2`` is compared as the YAML document it holds, not as text, so reformatting
by hand is not drift but changing a value is.

The patch is a JSON merge patch carrying the child's ``metadata.resourceVersion``: if the child changed
after we read it, the API server answers 409 and the caller reads again.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from voxray_operator.builders import load_yaml

YAML_FIELDS = frozenset({"serveConfigV2"})
#: top-level keys that are not the object's content
SKIPPED = frozenset({"apiVersion", "kind", "metadata", "status"})


def _normalise(value: Any, key: str = "") -> Any:
    if key in YAML_FIELDS and isinstance(value, str):
        try:
            return {"__yaml__": load_yaml(value)}
        except yaml.YAMLError:
            return value
    if isinstance(value, Mapping):
        return {k: _normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def differences(actual: Any, wanted: Any, path: str = "") -> list[str]:
    """Dotted paths where ``actual`` does not hold ``wanted`` (extra keys in ``actual`` are fine)."""
    if isinstance(wanted, Mapping):
        if not isinstance(actual, Mapping):
            return [path or "."]
        out: list[str] = []
        for key, value in wanted.items():
            out += differences(actual.get(key), value, f"{path}.{key}" if path else str(key))
        return out
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(actual) != len(wanted):
            return [path or "."]
        out = []
        for i, (a, w) in enumerate(zip(actual, wanted, strict=True)):
            out += differences(a, w, f"{path}[{i}]")
        return out
    if isinstance(wanted, float) or isinstance(actual, float):
        same = isinstance(actual, int | float) and float(actual) == float(wanted)
        return [] if same and not isinstance(actual, bool) else [path or "."]
    return [] if actual == wanted and type(actual) is type(wanted) else [path or "."]


@dataclass(frozen=True)
class Drift:
    #: dotted paths that differ (``spec.serveConfigV2.__yaml__.applications[0]...``, ``metadata.labels.x``)
    paths: tuple[str, ...]
    patch: dict[str, Any]

    @property
    def spec_changed(self) -> bool:
        return any(p == "spec" or p.startswith(("spec.", "spec[")) for p in self.paths)


def child_drift(existing: Mapping[str, Any], desired: Mapping[str, Any]) -> Drift | None:
    """None when ``existing`` holds everything ``desired`` sets; else the differences and the patch."""
    meta_e = existing.get("metadata") or {}
    meta_d = desired.get("metadata") or {}
    content = [k for k in desired if k not in SKIPPED]  # spec, or data of a ConfigMap
    paths: list[str] = []
    for key in content:
        paths += differences(_normalise(existing.get(key)), _normalise(desired.get(key)), key)
    for part in ("labels", "annotations"):
        paths += differences(meta_e.get(part) or {}, meta_d.get(part) or {}, f"metadata.{part}")
    have_uids = {r.get("uid") for r in meta_e.get("ownerReferences") or [] if isinstance(r, Mapping)}
    missing_refs = [r for r in meta_d.get("ownerReferences") or [] if r.get("uid") not in have_uids]
    if missing_refs:
        paths.append("metadata.ownerReferences")
    if not paths:
        return None
    meta_patch: dict[str, Any] = {"resourceVersion": meta_e.get("resourceVersion")}
    if meta_d.get("labels"):
        meta_patch["labels"] = copy.deepcopy(meta_d["labels"])
    if meta_d.get("annotations"):
        meta_patch["annotations"] = copy.deepcopy(meta_d["annotations"])
    if missing_refs:
        meta_patch["ownerReferences"] = [*copy.deepcopy(meta_e.get("ownerReferences") or []), *missing_refs]
    patch: dict[str, Any] = {"metadata": meta_patch}
    for key in content:
        patch[key] = copy.deepcopy(desired[key])
    return Drift(tuple(paths), patch)


def owned_by(child: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """Whether ``child`` has an ownerReference to ``owner``'s uid."""
    uid = (owner.get("metadata") or {}).get("uid")
    refs = (child.get("metadata") or {}).get("ownerReferences") or []
    return bool(uid) and any(isinstance(r, Mapping) and r.get("uid") == uid for r in refs)


def controller_owner(child: Mapping[str, Any], kind: str, group: str) -> dict[str, Any] | None:
    """The controller ownerReference of ``child`` of the given kind and API group, if any."""
    for ref in (child.get("metadata") or {}).get("ownerReferences") or []:
        if not isinstance(ref, Mapping):
            continue
        same_kind = ref.get("kind") == kind and str(ref.get("apiVersion", "")).split("/")[0] == group
        if same_kind and ref.get("controller", False) and ref.get("name") and ref.get("uid"):
            return dict(ref)
    return None
