"""The texts a SpeechBatch renders: inline items, a JSON Lines file, a mounted ConfigMap, or the
packaged hospitality posts (``packaged:hospitality``).

A JSON Lines item is ``{"index": 1, "id": "...", "texts": {"en": "...", "ar": "..."}}``; other keys
(``channel``, ``topic``...) are allowed and ignored. Items are ordered by index; ``limit`` keeps the
first N. ``"textType": "ssml"`` makes every text of the item an SSML document: each is parsed (the same
safe parser as /v1/speech) when the items load, so a bad document fails the batch before any speech, with
its line and column.
"""

from __future__ import annotations

import importlib.resources
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from voxray_runtime.spec.documents import SpecError
from voxray_runtime.spec.speechbatch import BatchItem, InputSpec
from voxray_runtime.text.ssml import parse_ssml

T = TypeVar("T")

PACKAGED_PREFIX = "packaged:"
#: ``packaged:NAME`` -> file inside voxray_runtime/data
PACKAGED_FILES: dict[str, str] = {"hospitality": "hospitality_posts.jsonl"}
#: where a cluster mounts ``input.configMap`` (``{dir}/{name}/{key}``); VOXRAY_BATCH_INPUT_DIR overrides
CONFIGMAP_MOUNT_DIR = "/etc/voxray/input"


def packaged_path(name: str) -> Path:
    """Path of a packaged data file (``hospitality``); SpecError naming spec.input.file if unknown."""
    file = PACKAGED_FILES.get(name)
    if file is None:
        raise SpecError(
            f"unknown packaged input {name!r}; packaged inputs: "
            + ", ".join(PACKAGED_PREFIX + n for n in PACKAGED_FILES),
            field="spec.input.file",
        )
    return Path(str(importlib.resources.files("voxray_runtime") / "data" / file))


def configmap_path(name: str, key: str) -> Path:
    root = Path(os.environ.get("VOXRAY_BATCH_INPUT_DIR", CONFIGMAP_MOUNT_DIR))
    return root / name / key


def parse_item(raw: Any, where: str) -> BatchItem:
    """One JSON object -> BatchItem; ValueError naming ``where`` (e.g. ``line 3``) when malformed."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an item must be a JSON object with index and texts")
    fields = {k: raw[k] for k in ("index", "id", "texts", "textType") if k in raw}
    if "id" in fields and fields["id"] is not None:
        fields["id"] = str(fields["id"])
    try:
        item = BatchItem.model_validate(fields)
    except ValidationError as exc:
        errs = "; ".join(
            ".".join(str(p) for p in e["loc"]) + ": " + str(e["msg"]) for e in exc.errors(include_url=False)
        )
        raise ValueError(f"{where}: {errs}") from None
    check_ssml(item, where)
    return item


def check_ssml(item: BatchItem, where: str) -> None:
    """Each SSML text of ``item`` parsed in its language; ValueError naming ``where``, the language, and the
    document's line and column. Plain texts pass untouched."""
    if item.text_type != "ssml":
        return
    for language, text in item.texts.items():
        try:
            parse_ssml(text, language)
        except ValueError as exc:  # SsmlError, or TextError for a language the text front end lacks
            raise ValueError(f"{where}: texts.{language}: {exc}") from None


def parse_json_lines(lines: Iterable[str], source: str, parse: Callable[[Any, str], T]) -> list[T]:
    """JSON Lines -> ``parse(value, where)`` of each (blank lines skipped). ValueError with the line
    number on the first line that is not JSON (``parse`` raises its own for a bad value)."""
    out: list[T] = []
    prefix = f"{source}: " if source else ""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{prefix}line {n}: not valid JSON ({exc.msg})") from None
        out.append(parse(raw, f"{prefix}line {n}"))
    return out


def parse_jsonl(lines: Iterable[str], source: str = "") -> list[BatchItem]:
    """JSON Lines -> items (blank lines skipped). ValueError with the line number on the first bad line."""
    return parse_json_lines(lines, source, parse_item)


def read_jsonl_file(path: Path, field: str) -> list[BatchItem]:
    if not path.is_file():
        raise SpecError(f"input file {path} does not exist", field=field)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}", field=field) from None
    try:
        return parse_jsonl(text.splitlines(), source=str(path))
    except ValueError as exc:
        raise SpecError(str(exc), field=field) from None


def load_items(spec: InputSpec, *, base_dir: Path | None = None, limit: int | None = None) -> list[BatchItem]:
    """The items of ``spec.input``, ordered by index, first ``limit`` (argument, else spec.limit) kept.

    A relative ``file`` is resolved against ``base_dir`` (the SpeechBatch file's directory) when it
    exists there, else against the working directory. Duplicate indexes are an error.
    """
    field = "spec.input.items"
    if spec.items is not None:
        items: Sequence[BatchItem] = spec.items
        for pos, inline in enumerate(items):
            try:
                check_ssml(inline, f"item {pos} (index {inline.index})")
            except ValueError as exc:
                raise SpecError(str(exc), field=f"{field}.{pos}.texts") from None
    elif spec.file is not None:
        field = "spec.input.file"
        if spec.file.startswith(PACKAGED_PREFIX):
            path = packaged_path(spec.file.removeprefix(PACKAGED_PREFIX))
        else:
            path = Path(spec.file).expanduser()
            if not path.is_absolute() and base_dir is not None and (base_dir / path).exists():
                path = base_dir / path
        items = read_jsonl_file(path, field)
    else:
        assert spec.config_map is not None  # the spec's validator guarantees exactly one source
        field = "spec.input.configMap"
        path = configmap_path(spec.config_map.name, spec.config_map.key)
        if not path.is_file():
            raise SpecError(
                f"ConfigMap {spec.config_map.name} key {spec.config_map.key} is not mounted at {path}; "
                "configMap input works on a cluster (or set VOXRAY_BATCH_INPUT_DIR)",
                field=field,
            )
        items = read_jsonl_file(path, field)
    seen: dict[int, int] = {}
    for pos, item in enumerate(items):
        if item.index in seen:
            raise SpecError(
                f"index {item.index} appears twice (items {seen[item.index]} and {pos}); indexes are unique",
                field=f"{field}.{pos}.index" if field == "spec.input.items" else field,
            )
        seen[item.index] = pos
    ordered = sorted(items, key=lambda i: i.index)
    keep = limit if limit is not None else spec.limit
    if keep is not None:
        if keep < 1:
            raise SpecError("limit must be at least 1", field="spec.input.limit")
        ordered = ordered[:keep]
    if not ordered:
        raise SpecError("the input holds no items", field=field)
    return ordered
