"""pydantic model -> structural OpenAPI v3 schema, as Kubernetes wants it in a CRD.

References inlined, ``Optional`` fields simply not required, ``exclusiveMinimum`` in its OpenAPI 3.0
boolean form, no ``additionalProperties: false`` beside ``properties`` (the API server prunes unknown
fields instead), ``None`` defaults dropped. Field descriptions come from ``Field(description=...)`` or,
for the runtime specs, from their ``#:`` comments. Each model's CEL rules (:mod:`voxray_operator.crd_rules`)
go on its schema.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from pydantic import BaseModel

from voxray_operator.crd_rules import CEL_RULES, Schema

_SCALARS = frozenset({"string", "integer", "number", "boolean"})
_COMMENT_FIELD = re.compile(r"^(\w+)\s*:")


def field_comments(cls: type) -> dict[str, str]:
    """``#:`` comments right above each field of a class body (Sphinx style), by Python field name."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):  # pragma: no cover - sources always ship with the package
        return {}
    out: dict[str, str] = {}
    pending: list[str] = []
    for line in source.splitlines()[1:]:
        text = line.strip()
        if text.startswith("#:"):
            pending.append(text[2:].strip())
            continue
        match = _COMMENT_FIELD.match(text)
        if match and pending:
            out[match.group(1)] = " ".join(pending)
        pending = []
    return out


def _descriptions(model: type[BaseModel]) -> dict[str, dict[str, str]]:
    """Descriptions from ``#:`` comments of ``model`` and every model it contains, by class then alias."""
    seen: dict[str, dict[str, str]] = {}

    def visit(cls: type[BaseModel]) -> None:
        if cls.__name__ in seen:
            return
        comments = field_comments(cls)
        by_alias: dict[str, str] = {}
        for name, field in cls.model_fields.items():
            alias = field.alias or name
            if name in comments:
                by_alias[alias] = comments[name]
        seen[cls.__name__] = by_alias
        for field in cls.model_fields.values():
            for sub in _models_in(field.annotation):
                visit(sub)

    visit(model)
    return seen


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        out.extend(_models_in(arg))
    return out


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


class _Converter:
    def __init__(self, defs: dict[str, Schema], descriptions: dict[str, dict[str, str]]) -> None:
        self.defs = defs
        self.descriptions = descriptions

    def convert(self, node: Schema, model_name: str | None = None) -> Schema:
        node = dict(node)
        if "$ref" in node:
            name = node.pop("$ref").rsplit("/", 1)[-1]
            target = self.convert(self.defs[name], name)
            siblings = self.convert(node) if node else {}
            return {**target, **siblings}
        if "anyOf" in node:
            options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
            if len(options) > 1 and all(o.get("type") in _SCALARS and len(o) == 1 for o in options):
                # a scalar of several types (engineArgs values): no structural type; pydantic checks it
                return {"x-kubernetes-preserve-unknown-fields": True, **self.convert(node)}
            if len(options) != 1:
                raise ValueError(f"unions are not structural: {options}")
            inner = self.convert(options[0])
            return {**inner, **self.convert(node)}
        out: Schema = {}
        if "description" in node:
            out["description"] = " ".join(str(node["description"]).split())
        for key in ("type", "format", "enum", "pattern", "minLength", "maxLength", "minItems", "maxItems"):
            if key in node:
                out[key] = node[key]
        for key in ("minProperties", "maxProperties"):
            if key in node:
                out[key] = node[key]
        if "const" in node:
            out["enum"] = [node["const"]]
        for bound, flag in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            if flag in node:
                out[bound] = node[flag]
                out[flag] = True
            elif bound in node:
                out[bound] = node[bound]
        if node.get("default") is not None:
            out["default"] = _strip_none(node["default"])
        if "items" in node:
            out["items"] = self.convert(node["items"])
        if "properties" in node:
            comments = self.descriptions.get(model_name or "", {})
            props: Schema = {}
            for key, sub in node["properties"].items():
                converted = self.convert(sub)
                if key in comments:
                    converted.pop("description", None)
                    converted = {"description": comments[key], **converted}
                props[key] = converted
            out["type"] = "object"
            out["properties"] = props
            required = [r for r in node.get("required", []) if "default" not in node["properties"][r]]
            if required:
                out["required"] = required
        elif isinstance(node.get("additionalProperties"), dict):
            out["additionalProperties"] = self.convert(node["additionalProperties"])
        if model_name and model_name in CEL_RULES:
            out["x-kubernetes-validations"] = [dict(r) for r in CEL_RULES[model_name]]
        return out


def openapi_schema(model: type[BaseModel]) -> Schema:
    """The structural OpenAPI v3 schema of ``model`` (camelCase field names)."""
    raw = model.model_json_schema(by_alias=True, mode="validation")
    defs = raw.pop("$defs", {})
    return _Converter(defs, _descriptions(model)).convert(raw, model.__name__)
