"""OpenAI's published API description as a test oracle: requests generated from its request schemas,
answers validated against its response schemas (OpenAPI 3.1 = JSON Schema 2020-12), streams chunk by
chunk, and each answer classed as validated, refused clearly or non-conformant.

The document still writes OpenAI 3.0's ``nullable: true`` in places; JSON Schema 2020-12 ignores that
keyword, so it is rewritten as the null type it means before anything is validated or generated.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DATA = Path(__file__).parent / "data" / "openai-openapi.subset.json"
BASE = "urn:openai-openapi"
#: /v1/completions has no stream schema in the document: OpenAI streams CreateCompletionResponse objects
#: whose finish_reason is null until the last one (what OpenAI's API sends), so that is what is checked
COMPLETION_CHUNK = "x-voxray-CreateCompletionStreamChunk"


def _nullable(node: Any) -> Any:
    """``nullable: true`` (OpenAPI 3.0) as JSON Schema 2020-12's null type."""
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k not in ("nullable", "discriminator")}
    if node.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif kind is None:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def document() -> dict[str, Any]:
    doc: dict[str, Any] = _nullable(json.loads(DATA.read_text()))
    schemas = doc["components"]["schemas"]
    chunk = copy.deepcopy(schemas["CreateCompletionResponse"])
    reason = chunk["properties"]["choices"]["items"]["properties"]["finish_reason"]
    reason["type"], reason["enum"] = ["string", "null"], [*reason["enum"], None]
    schemas[COMPLETION_CHUNK] = chunk
    return doc


@cache
def _registry() -> Registry[Any]:
    return Registry().with_resource(BASE, Resource(contents=document(), specification=DRAFT202012))


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{BASE}#/components/schemas/{name}"}, registry=_registry())


def problems(name: str, instance: Any) -> str | None:
    """Why ``instance`` does not validate against component ``name`` (None: it does)."""
    err = best_match(validator(name).iter_errors(instance))
    if err is None:
        return None
    where = "/".join(str(p) for p in err.absolute_path) or "(root)"
    return f"{name} at {where}: {err.message[:300]}"


def operation(path: str, method: str) -> dict[str, Any]:
    op: dict[str, Any] = document()["paths"][path][method]
    return op


def request_schema(path: str, media: str = "application/json") -> str:
    ref: str = operation(path, "post")["requestBody"]["content"][media]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def response_schema(path: str, method: str, media: str) -> str:
    ref: str = operation(path, method)["responses"]["200"]["content"][media]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


# ---- generating requests from the request schemas ---------------------------------------------------------
def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target | {k: v for k, v in node.items() if k != "$ref"}
    return node


def properties(schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """An object schema's properties and required names, through ``allOf``."""
    s = _resolve(schema)
    props: dict[str, Any] = {}
    required: set[str] = set()
    for part in s.get("allOf", []):
        p, r = properties(part)
        props |= p
        required |= r
    props |= s.get("properties", {})
    required |= set(s.get("required", []))
    return props, required


def _add(out: list[Any], value: Any) -> None:
    if all(json.dumps(value, sort_keys=True) != json.dumps(v, sort_keys=True) for v in out):
        out.append(value)


def defaults(schema: dict[str, Any]) -> list[Any]:
    """The document's defaults for a member (its own, and those of its non-null branches)."""
    s = _resolve(schema)
    out: list[Any] = []
    if "default" in s:
        _add(out, s["default"])
    for key in ("anyOf", "oneOf"):
        for branch in s.get(key, []):
            b = _resolve(branch)
            if "default" in b and b.get("type") != "null":
                _add(out, b["default"])
    return out


def samples(schema: dict[str, Any], depth: int = 0) -> list[Any]:
    """A few values valid for ``schema``: its defaults, enum members, a value per branch, null where
    allowed, bounds of numbers, minimal and full objects (deterministic: no randomness)."""
    s = _resolve(schema)
    out: list[Any] = list(defaults(s))
    for v in s.get("enum", []):
        _add(out, v)
    for key in ("anyOf", "oneOf"):
        # breadth first: the first value of every branch, then the second ones
        per_branch = [samples(branch, depth + 1)[:2] for branch in s.get(key, [])]
        for rank in range(2):
            for vals in per_branch:
                if rank < len(vals):
                    _add(out, vals[rank])
    if "allOf" in s and depth < 4:
        _add(out, _object(s, depth))
    kinds = s.get("type", [])
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        for v in _of_type(kind, s, depth):
            _add(out, v)
    if "const" in s:
        _add(out, s["const"])
    return out


def _of_type(kind: str, s: dict[str, Any], depth: int) -> list[Any]:
    if kind == "null":
        return [None]
    if kind == "boolean":
        return [True, False]
    if kind == "string":
        if "enum" in s:
            return []
        example = s.get("example")
        text = example if isinstance(example, str) else "hello"
        if s.get("format") == "uri":
            text = "https://example.com/a.png"
        return [text[: s.get("maxLength", len(text))] or "x"]
    if kind in ("integer", "number"):
        lo, hi = s.get("minimum"), s.get("maximum")
        vals: list[Any] = []
        for v in (s.get("example"), lo, hi, 1):
            number = isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= 10_000
            if number and (lo is None or v >= lo) and (hi is None or v <= hi):
                vals.append(int(v) if kind == "integer" else v)
        if kind == "number" and lo is not None and hi is not None:
            vals.append((lo + hi) / 2)
        return vals
    if kind == "array" and depth < 4:
        items = samples(s.get("items", {}), depth + 1)
        return [[v] for v in items[:6]] or [[]]
    if kind == "object" and depth < 4:
        if "properties" not in s and isinstance(s.get("additionalProperties"), dict):
            inner = samples(s["additionalProperties"], depth + 1)
            return [{}, {"key": inner[0]}] if inner else [{}]
        return [_object(s, depth), _object(s, depth, full=True)]
    return []


def _object(s: dict[str, Any], depth: int, full: bool = False) -> dict[str, Any]:
    props, required = properties(s)
    out: dict[str, Any] = {}
    for name, sub in props.items():
        if name in required or full:
            vals = [v for v in samples(sub, depth + 1) if v is not None] or samples(sub, depth + 1)
            if vals:
                out[name] = vals[0]
    return out


@dataclass(frozen=True)
class Case:
    """One generated request: the base request with one member changed (or left out)."""

    name: str
    body: dict[str, Any]
    #: the member changed (None: the base request)
    member: str | None = None
    #: the value is the document's default or an explicit null it allows, or the member is left out:
    #: voxray must accept it
    must_accept: bool = False


def cases(
    path: str,
    base: dict[str, Any],
    per_member: int = 3,
    more: dict[str, int] | None = None,
    media: str = "application/json",
) -> list[Case]:
    """The base request, then for each member of the request schema a few of its values (and, for an
    optional member of the base, its absence). Only requests valid against the schema are kept."""
    schema_name = request_schema(path, media)
    props, required = properties({"$ref": f"#/components/schemas/{schema_name}"})
    out = [Case("base", base, must_accept=True)]
    for member, sub in props.items():
        allowed_defaults = defaults(sub)
        for value in samples(sub)[: (more or {}).get(member, per_member)]:
            body = base | {member: value}
            default = value is None or any(value == d for d in allowed_defaults)
            out.append(Case(f"{member}={_short(value)}", body, member, must_accept=default))
        if member in base and member not in required:
            body = {k: v for k, v in base.items() if k != member}
            out.append(Case(f"{member} left out", body, member, must_accept=True))
    return [c for c in out if problems(schema_name, c.body) is None]


def _short(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= 60 else text[:57] + "..."


# ---- judging answers --------------------------------------------------------------------------------------
@dataclass
class Tally:
    generated: int = 0
    validated: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, case: Case, verdict: str | None, refused: bool) -> None:
        self.generated += 1
        if verdict is not None:
            self.failures.append(f"{case.name}: {verdict}")
        elif refused:
            self.refused += 1
        else:
            self.validated += 1

    def line(self, label: str) -> str:
        return (
            f"{label}: {self.generated} requests generated, {self.validated} validated, "
            f"{self.refused} refused clearly, {len(self.failures)} non-conformant"
        )


_FIELD = re.compile(r"[.\[]")


def judge_refusal(case: Case, status: int, body: Any, allowed: Collection[str] = ()) -> str | None:
    """A 4xx must carry OpenAI's ErrorResponse, name the member at fault (``param``) and refuse only what
    voxray may refuse: never the base request, a default, an allowed null or a member left out, unless
    the case is named in ``allowed`` (a difference from OpenAI that docs/openai.md states)."""
    if not 400 <= status < 500:
        return f"status {status}: {json.dumps(body)[:300]}"
    why = problems("ErrorResponse", body)
    if why:
        return f"{status} error body: {why}"
    err = body["error"]
    if case.must_accept and case.name not in allowed:
        return f"{status} refused a request the document allows and voxray can honour: {err['message']}"
    if case.member is not None and (err["param"] is None or _FIELD.split(err["param"])[0] != case.member):
        return f"{status} does not name {case.member} (param {err['param']!r}): {err['message']}"
    return None


def sse_events(raw: bytes) -> list[str]:
    """The ``data:`` payloads of a server-sent event stream, in order."""
    out = []
    for block in raw.decode().split("\n\n"):
        data = [line[5:].lstrip() for line in block.splitlines() if line.startswith("data:")]
        if data:
            out.append("\n".join(data))
    return out


def judge_text_stream(raw: bytes, chunk_schema: str, include_usage: bool) -> str | None:
    """Every chunk valid, ``[DONE]`` last, a usage chunk when asked for."""
    events = sse_events(raw)
    if not events or events[-1] != "[DONE]":
        return f"the stream does not end with [DONE]: {events[-1:]}"
    usage = False
    for i, ev in enumerate(events[:-1]):
        chunk = json.loads(ev)
        why = problems(chunk_schema, chunk)
        if why:
            return f"chunk {i}: {why}"
        usage = usage or bool(chunk.get("usage"))
    if include_usage and not usage:
        return "stream_options.include_usage: no chunk carries the usage"
    return None


def judge_speech_events(raw: bytes, schema: str) -> str | None:
    events = [json.loads(e) for e in sse_events(raw)]
    if not events or events[-1].get("type") != "speech.audio.done":
        return "the events do not end with speech.audio.done"
    for i, ev in enumerate(events):
        why = problems(schema, ev)
        if why:
            return f"event {i}: {why}"
    audio = b"".join(base64.b64decode(e["audio"]) for e in events if e["type"] == "speech.audio.delta")
    return None if audio else "no audio in the speech.audio.delta events"


def run_all(items: list[Case], send: Callable[[Case], tuple[str | None, bool]], workers: int) -> Tally:
    """Send every case (``workers`` at a time) and tally the verdicts, in the cases' order."""
    from concurrent.futures import ThreadPoolExecutor

    tally = Tally()
    with ThreadPoolExecutor(workers) as pool:
        for case, (verdict, refused) in zip(items, pool.map(send, items), strict=True):
            tally.add(case, verdict, refused)
    return tally
