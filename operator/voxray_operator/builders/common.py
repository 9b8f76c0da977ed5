"""Shared pieces of every child object: names, labels, owner references, security context, spec hash."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

import yaml
from pydantic import BaseModel

GROUP = "voxray.io"
SPEC_HASH_ANNOTATION = f"{GROUP}/spec-hash"
VOICEMODEL_LABEL = f"{GROUP}/voicemodel"
SPEECHBATCH_LABEL = f"{GROUP}/speechbatch"
TEXTMODEL_LABEL = f"{GROUP}/textmodel"
TRANSCRIPTIONMODEL_LABEL = f"{GROUP}/transcriptionmodel"
MANAGED_BY = "voxray-operator"
#: the kinds served by a RayService (their children carry the kind's label and component)
ServedKind = Literal["VoiceModel", "TextModel", "TranscriptionModel"]
MAX_NAME = 63

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def truncate_name(name: str, limit: int = MAX_NAME) -> str:
    """``name`` when it fits in ``limit`` characters, else a prefix plus a stable hash of the whole name.

    The result is a DNS-1123 label as long as ``name`` is one: never ends in ``-`` or ``.``.
    """
    if len(name) <= limit:
        return name
    suffix = short_hash(name)
    head = name[: limit - len(suffix) - 1].rstrip("-.")
    return f"{head}-{suffix}"


def child_name(owner: str, suffix: str = "", limit: int = MAX_NAME) -> str:
    """``{owner}-{suffix}`` (or ``owner``) kept within ``limit`` characters, stable across calls."""
    full = f"{owner}-{suffix}" if suffix else owner
    if len(full) <= limit:
        return full
    if not suffix:
        return truncate_name(owner, limit)
    room = limit - len(suffix) - 1
    return f"{truncate_name(owner, room)}-{suffix}"


def dns1035_name(name: str, limit: int = MAX_NAME) -> str:
    """A DNS-1035 label (lowercase letter first; what KubeRay wants for RayService/RayJob names).

    ``name`` itself when it already is one within ``limit``; otherwise a cleaned, shortened form with a
    stable hash of the original appended, so that two different names never map to the same one.
    """
    if len(name) <= limit and _DNS1035.match(name):
        return name
    clean = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not clean[:1].isalpha():
        clean = f"x-{clean}".rstrip("-")
    suffix = short_hash(name)
    head = clean[: limit - len(suffix) - 1].rstrip("-")
    return f"{head}-{suffix}"


def is_dns_label(name: str) -> bool:
    return len(name) <= MAX_NAME and bool(_DNS_LABEL.match(name))


def label_value(value: str) -> str:
    """A label value (63 characters at most, alphanumeric at both ends)."""
    return truncate_name(value).strip("-_.")


def common_labels(
    component: str,
    *,
    voicemodel: str | None = None,
    speechbatch: str | None = None,
    textmodel: str | None = None,
    transcriptionmodel: str | None = None,
) -> dict[str, str]:
    labels = {
        "app.kubernetes.io/name": "voxray",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }
    if voicemodel is not None:
        labels[VOICEMODEL_LABEL] = label_value(voicemodel)
    if speechbatch is not None:
        labels[SPEECHBATCH_LABEL] = label_value(speechbatch)
    if textmodel is not None:
        labels[TEXTMODEL_LABEL] = label_value(textmodel)
    if transcriptionmodel is not None:
        labels[TRANSCRIPTIONMODEL_LABEL] = label_value(transcriptionmodel)
    return labels


def served_labels(kind: ServedKind, name: str) -> dict[str, str]:
    """The labels of a served model's children: its RayService, generated Secrets."""
    if kind == "TextModel":
        return common_labels("textmodel", textmodel=name)
    if kind == "TranscriptionModel":
        return common_labels("transcriptionmodel", transcriptionmodel=name)
    return common_labels("voicemodel", voicemodel=name)


#: optional top-level spec fields added after the kinds shipped: left out of the hash while unset, so that
#: adding one changes neither the hash of a spec that does not use it nor its children (no needless patch)
HASH_OMITTED_WHEN_UNSET = frozenset({"upgrade", "deletion", "queueName", "workloadPriorityClass", "lexicons"})


def spec_hash(spec: BaseModel) -> str:
    """sha256 of the spec's canonical JSON (every field, defaults included, sorted keys): stable."""
    data = spec.model_dump(mode="json", by_alias=True)
    for key in HASH_OMITTED_WHEN_UNSET:
        if key in data and data[key] in (None, []):
            del data[key]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def owner_references(owner: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A controller owner reference to ``owner`` (a body with apiVersion, kind, metadata.name/uid)."""
    if not owner:
        return []
    meta = owner.get("metadata") or {}
    return [
        {
            "apiVersion": owner["apiVersion"],
            "kind": owner["kind"],
            "name": meta["name"],
            "uid": meta["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def metadata(
    name: str,
    namespace: str,
    labels: dict[str, str],
    *,
    annotations: dict[str, str] | None = None,
    owner: dict[str, Any] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    refs = owner_references(owner)
    if refs:
        meta["ownerReferences"] = refs
    return meta


def container_security_context() -> dict[str, Any]:
    """Restricted Pod Security Standard for a container."""
    return {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context() -> dict[str, Any]:
    """Pod-level: non-root, files on volumes group-writable by the runtime's group."""
    return {
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "runAsGroup": 1000,
        "fsGroup": 1000,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


#: libyaml's safe loader where PyYAML was built with it (its wheels are): serveConfigV2 is parsed on
#: every RayService event (status, drift), and the pure-Python loader was a fifth of the operator's CPU
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, with libyaml when available; raises yaml.YAMLError like it."""
    return yaml.load(text, Loader=_SafeLoader)


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as ``|`` literals, no anchors/aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(objects: list[dict[str, Any]]) -> str:
    """Objects as one multi-document YAML stream, keys in build order (what ``voxray render`` prints)."""
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)


def unaliased(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy sharing no sub-object (unlike copy.deepcopy, which keeps shared ones shared)."""
    copied: dict[str, Any] = json.loads(json.dumps(obj))
    return copied
