"""What a generation run still has to write, given the ``posts.jsonl`` an earlier run left. Pure.

Posts ``1..count`` are planned. A record written with the same settings (model, batch seed, brief,
source language, temperature, maxTokens, prompt version) keeps its source text and every translation it
has; only missing translations are written. Any other record (or none) is written from scratch: the
source text first, then each translation in ``languages`` order. Records beyond ``count`` are left in
the file untouched (a later run with a larger count reuses them) but are not spoken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from voxray_runtime.generation.records import Record, Settings, has_text, matches, new_record, to_item
from voxray_runtime.spec.speechbatch import BatchItem


@dataclass(frozen=True)
class Task:
    """One text to write: post ``index`` in ``language`` (the source language, or a translation)."""

    index: int
    language: str
    translation: bool


@dataclass(frozen=True)
class GenerationPlan:
    settings: Settings
    #: the records the run starts from, by index: every record of the file (reused, or fresh for the
    #: planned posts whose old record does not match)
    records: dict[int, Record]
    tasks: tuple[Task, ...]
    #: the posts of this run, by index
    planned: tuple[int, ...]

    @property
    def complete_posts(self) -> int:
        """Planned posts with nothing left to write."""
        pending = {t.index for t in self.tasks}
        return sum(1 for i in self.planned if i not in pending)

    @property
    def posts_to_write(self) -> int:
        return sum(1 for t in self.tasks if not t.translation)

    @property
    def translations_to_write(self) -> int:
        return sum(1 for t in self.tasks if t.translation)

    def items(self, records: Mapping[int, Mapping[str, Any]] | None = None) -> list[BatchItem]:
        """The batch items of the planned posts that have their source text (from ``records``, default
        the plan's), by index."""
        recs = self.records if records is None else records
        source = self.settings.source_language
        return [
            to_item(recs[i], self.settings.languages)
            for i in self.planned
            if i in recs and has_text(recs[i], source)
        ]


def plan_generation(
    settings: Settings, existing: Mapping[int, Record], indexes: Iterable[int] | None = None
) -> GenerationPlan:
    """The records to start from and the texts to write, post by post (source, then translations).
    ``indexes``: the posts to plan (default ``1..count``; ``voxray generate --number N`` plans one)."""
    records: dict[int, Record] = {i: dict(r) for i, r in existing.items()}
    tasks: list[Task] = []
    source = settings.source_language
    planned = tuple(indexes) if indexes is not None else tuple(range(1, settings.count + 1))
    for index in planned:
        old = existing.get(index)
        reused = old is not None and matches(old, settings)
        if old is not None and reused:
            record = dict(old)
        else:
            record = new_record(settings, index)
            tasks.append(Task(index, source, translation=False))
        records[index] = record
        tasks.extend(
            Task(index, lang, translation=True)
            for lang in settings.languages
            if lang != source and not (reused and has_text(record, lang))
        )
    return GenerationPlan(settings=settings, records=records, tasks=tuple(tasks), planned=planned)
