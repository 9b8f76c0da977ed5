"""The evaluation's fixed, versioned sentence sets (``sentences/v1.json``, package data).

A published version is never edited: a change of wording is a new version, so that reports made with
the same version compare. Every sentence carries the same content in each of the five languages.
"""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import dataclass

from voxray_runtime.voices import LANGUAGES

DEFAULT_VERSION = "v1"


class CorpusError(ValueError):
    """A sentence set that is missing or malformed."""


@dataclass(frozen=True)
class Sentence:
    id: str
    texts: dict[str, str]

    def text(self, language: str) -> str:
        return self.texts[language]


@dataclass(frozen=True)
class SentenceSet:
    version: str
    sentences: tuple[Sentence, ...]

    def head(self, n: int) -> SentenceSet:
        """The first ``n`` sentences (a quick run), still named by the same version."""
        return SentenceSet(self.version, self.sentences[:n])

    def ids(self) -> list[str]:
        return [s.id for s in self.sentences]


def parse_sentence_set(data: object, source: str = "sentence set") -> SentenceSet:
    """Validate a decoded sentence set: a version, unique ids, a non-empty text for every language."""
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        raise CorpusError(f"{source}: expected an object with a string 'version'")
    raw = data.get("sentences")
    if not isinstance(raw, list) or not raw:
        raise CorpusError(f"{source}: 'sentences' must be a non-empty list")
    out: list[Sentence] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise CorpusError(f"{source}: sentences[{i}] needs a string 'id'")
        texts = item.get("texts")
        if not isinstance(texts, dict):
            raise CorpusError(f"{source}: sentences[{i}].texts must be an object")
        missing = [lang for lang in LANGUAGES if not str(texts.get(lang, "")).strip()]
        if missing:
            raise CorpusError(f"{source}: sentence {item['id']!r} has no text for {', '.join(missing)}")
        out.append(Sentence(item["id"], {lang: str(texts[lang]) for lang in LANGUAGES}))
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        raise CorpusError(f"{source}: sentence ids must be unique")
    return SentenceSet(data["version"], tuple(out))


def load_sentence_set(version: str = DEFAULT_VERSION) -> SentenceSet:
    """The packaged sentence set of that version."""
    resource = importlib.resources.files("voxray_runtime.evaluation") / "sentences" / f"{version}.json"
    try:
        text = resource.read_text("utf-8")
    except FileNotFoundError:
        raise CorpusError(f"no evaluation sentence set {version!r} is packaged") from None
    found = parse_sentence_set(json.loads(text), source=f"sentences/{version}.json")
    if found.version != version:
        raise CorpusError(f"sentences/{version}.json declares version {found.version!r}")
    return found
