"""``posts.jsonl``: the posts a TextModel wrote for a SpeechBatch, one JSON object a line. Pure.

A record is a batch item (``index``, ``id``, ``texts`` keyed by language: what ``batch/items.py`` reads)
plus how it was written: ``model``, ``seed`` (the post's own seed, derived from the batch seed),
``seeds`` (the seed that wrote each language's text), ``batch_seed``, ``brief_sha256``,
``source_language``, ``temperature``, ``max_tokens``, ``prompt_version`` and ``usage`` (tokens per
language). A record is reused by a rerun only while all of those still match the spec; a text in a
language is kept while the source text it was translated from is unchanged (``source_sha256``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from voxray_runtime.generation.prompts import PROMPT_VERSION
from voxray_runtime.spec.speechbatch import BatchItem, GenerateSpec

POSTS_FILE = "posts.jsonl"
#: keys whose values must equal the run's for a record to be reused
SETTING_KEYS = (
    "model",
    "batch_seed",
    "brief_sha256",
    "source_language",
    "temperature",
    "max_tokens",
    "prompt_version",
)

Record = dict[str, Any]


def brief_sha256(brief: str) -> str:
    """Hash of the brief, whitespace-normalised (re-wrapping the YAML does not regenerate the posts)."""
    return hashlib.sha256(" ".join(brief.split()).encode("utf-8")).hexdigest()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def post_seed(batch_seed: int, index: int, language: str, attempt: int = 1) -> int:
    """The sampling seed of post ``index`` in ``language``, ``attempt`` (1-based): a 31-bit integer
    derived from the batch seed, so the same batch seed writes the same posts and posts differ."""
    digest = hashlib.sha256(f"voxray-post:{batch_seed}:{index}:{language}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def post_id(index: int) -> str:
    return f"post_{index:02d}"


@dataclass(frozen=True)
class Settings:
    """What the posts of a run are written with (every record of the run carries these)."""

    model: str
    brief: str
    batch_seed: int
    source_language: str
    languages: tuple[str, ...]
    temperature: float
    max_tokens: int
    count: int
    prompt_version: int = PROMPT_VERSION

    @classmethod
    def from_spec(cls, spec: GenerateSpec, model: str, limit: int | None = None) -> Settings:
        """The run's settings: the source language first, then the other languages in spec order."""
        languages = tuple(dict.fromkeys([spec.source_language, *spec.languages]))
        count = min(spec.count, limit) if limit is not None else spec.count
        return cls(
            model=model,
            brief=spec.brief,
            batch_seed=spec.seed,
            source_language=spec.source_language,
            languages=languages,
            temperature=spec.temperature,
            max_tokens=spec.max_tokens,
            count=count,
        )

    def fields(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "batch_seed": self.batch_seed,
            "brief_sha256": brief_sha256(self.brief),
            "source_language": self.source_language,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "prompt_version": self.prompt_version,
        }


def new_record(settings: Settings, index: int) -> Record:
    return {
        "index": index,
        "id": post_id(index),
        "texts": {},
        "seed": post_seed(settings.batch_seed, index, settings.source_language),
        "seeds": {},
        "usage": {},
        **settings.fields(),
    }


def with_text(
    record: Mapping[str, Any],
    language: str,
    text: str,
    *,
    seed: int,
    completion_tokens: int | None = None,
    source_text: str | None = None,
) -> Record:
    """A copy of ``record`` holding ``text`` in ``language`` (written with ``seed``); writing the source
    language again drops the translations of the old source text."""
    out: Record = json.loads(json.dumps(record))
    if source_text is None:  # the source text itself: start over
        out["texts"], out["seeds"], out["usage"] = {}, {}, {}
        out["source_sha256"] = text_sha256(text)
    out["texts"][language] = text
    out["seeds"][language] = seed
    if completion_tokens is not None:
        out["usage"][language] = completion_tokens
    return out


def matches(record: Mapping[str, Any], settings: Settings) -> bool:
    """The record was written with these settings (so its source text is reused)."""
    want = settings.fields()
    if any(record.get(k) != want[k] for k in SETTING_KEYS):
        return False
    texts = record.get("texts")
    source = texts.get(settings.source_language) if isinstance(texts, dict) else None
    return (
        isinstance(source, str)
        and bool(source.strip())
        and record.get("source_sha256") == text_sha256(source)
    )


def has_text(record: Mapping[str, Any], language: str) -> bool:
    texts = record.get("texts")
    value = texts.get(language) if isinstance(texts, dict) else None
    return isinstance(value, str) and bool(value.strip())


def parse_records(lines: Iterable[str]) -> dict[int, Record]:
    """Records by index (the last per index wins); lines that are not records are skipped."""
    out: dict[int, Record] = {}
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            continue
        index = raw.get("index") if isinstance(raw, dict) else None
        if isinstance(index, int) and not isinstance(index, bool) and isinstance(raw.get("texts"), dict):
            out[index] = raw
    return out


def render_records(records: Mapping[int, Mapping[str, Any]]) -> bytes:
    """The file's bytes: one record a line, ordered by index, keys sorted."""
    lines = [json.dumps(records[i], ensure_ascii=False, sort_keys=True) for i in sorted(records)]
    return ("".join(line + "\n" for line in lines)).encode("utf-8")


def expected_items(settings: Settings) -> list[BatchItem]:
    """Stand-ins for the posts a run will write (index, id, a text in every language): what the batch
    checks its voices and file names against before any text is written."""
    return [
        BatchItem(index=i, id=post_id(i), texts=dict.fromkeys(settings.languages, "…"))
        for i in range(1, settings.count + 1)
    ]


def to_item(record: Mapping[str, Any], languages: Iterable[str]) -> BatchItem:
    """The batch item of a record: its texts in ``languages``."""
    texts = record["texts"]
    return BatchItem(
        index=int(record["index"]),
        id=str(record.get("id") or post_id(int(record["index"]))),
        texts={lang: texts[lang] for lang in languages if has_text(record, lang)},
    )
