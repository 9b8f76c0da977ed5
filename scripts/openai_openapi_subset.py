"""Cut the parts of OpenAI's published OpenAPI document that voxray implements out of the full document.

    python scripts/openai_openapi_subset.py openapi.json \
        tests/openai_conformance/data/openai-openapi.subset.json COMMIT

The input is ``openapi.json`` of https://github.com/openai/openai-openapi (MIT); the output keeps the
operations voxray serves (``OPERATIONS``), every component they reference, and the document's ``info``;
``x-oaiMeta`` (code samples) is dropped. Nothing else is changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS = {
    "/audio/speech": ["post"],
    "/audio/transcriptions": ["post"],
    "/chat/completions": ["post"],
    "/completions": ["post"],
    "/models": ["get"],
    "/models/{model}": ["get"],
}
#: referenced by voxray's error answers (not by every operation above)
EXTRA_SCHEMAS = ["ErrorResponse"]


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k != "x-oaiMeta"}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _refs(node: Any, doc: dict[str, Any], seen: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            target: Any = doc
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            _refs(target, doc, seen)
        for v in node.values():
            _refs(v, doc, seen)
    elif isinstance(node, list):
        for v in node:
            _refs(v, doc, seen)


def subset(doc: dict[str, Any], commit: str) -> dict[str, Any]:
    paths = {p: {m: _strip(doc["paths"][p][m]) for m in methods} for p, methods in OPERATIONS.items()}
    seen: set[str] = set()
    _refs(paths, doc, seen)
    for name in EXTRA_SCHEMAS:
        _refs({"$ref": f"#/components/schemas/{name}"}, doc, seen)
    components: dict[str, dict[str, Any]] = {}
    for ref in sorted(seen):
        _, kind, name = ref.removeprefix("#/").split("/")
        components.setdefault(kind, {})[name] = _strip(doc["components"][kind][name])
    info = dict(doc["info"]) | {
        "x-voxray-source": f"https://github.com/openai/openai-openapi/blob/{commit}/openapi.json",
        "x-voxray-note": "a subset: the operations voxray implements and the components they use",
    }
    return {"openapi": doc["openapi"], "info": info, "paths": paths, "components": components}


def main() -> None:
    src, dst, commit = sys.argv[1:4]
    doc = json.loads(Path(src).read_text())
    Path(dst).write_text(json.dumps(subset(doc, commit), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
