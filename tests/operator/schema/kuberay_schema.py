"""CRD ``openAPIV3Schema`` -> JSON Schema (Draft 7), as shared/schemas/kuberay/README.md describes.

- ``nullable: true`` -> the type also admits null;
- ``x-kubernetes-int-or-string`` -> anyOf integer / string;
- an object with ``properties`` and no ``additionalProperties`` rejects unknown fields (the API server
  would prune them: for a builder that is a bug), unless ``x-kubernetes-preserve-unknown-fields``;
- OpenAPI 3.0's boolean ``exclusiveMinimum``/``exclusiveMaximum`` -> Draft 7's numeric form.
CEL rules (``x-kubernetes-validations``) and defaults are not applied.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

Schema = dict[str, Any]
_KEPT = frozenset(
    {
        "type",
        "enum",
        "required",
        "pattern",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
        "uniqueItems",
    }
)
SHARED_KUBERAY = "shared/schemas/kuberay"


def to_json_schema(node: Schema) -> Schema:
    if node.get("x-kubernetes-int-or-string"):
        return {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    out: Schema = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key == "items" and isinstance(value, dict):
            out[key] = to_json_schema(value)
        elif key == "additionalProperties":
            out[key] = to_json_schema(value) if isinstance(value, dict) else value
        elif key in _KEPT:
            out[key] = value
    for bound, flag in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if node.get(flag) is True and bound in out:
            out[flag] = out.pop(bound)
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    if "properties" in node and "additionalProperties" not in node and not preserve:
        out["additionalProperties"] = False
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def crd_validator(crd: Schema, version: str) -> jsonschema.Draft7Validator:
    for ver in crd["spec"]["versions"]:
        if ver["name"] == version:
            return jsonschema.Draft7Validator(to_json_schema(ver["schema"]["openAPIV3Schema"]))
    raise KeyError(f"{crd['metadata']['name']} has no version {version}")


def kuberay_dir(repo_root: Path) -> Path:
    """../shared/schemas/kuberay beside the repository (never copied into it)."""
    return repo_root.parent / SHARED_KUBERAY


@cache
def kuberay_validator(folder: Path, kind: str) -> jsonschema.Draft7Validator:
    plural = {"RayService": "rayservices", "RayJob": "rayjobs", "RayCluster": "rayclusters"}[kind]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 1 MB schemas in well under a second
    crd = yaml.load((folder / f"ray.io_{plural}.yaml").read_text(encoding="utf-8"), Loader=loader)
    return crd_validator(crd, "v1")


def errors(validator: jsonschema.Draft7Validator, obj: Schema) -> list[str]:
    """Readable errors, each with the path of the offending field."""
    found = sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found]
