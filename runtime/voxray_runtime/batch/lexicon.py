"""A batch's lexicons: what each file's manifest row records of them, and the resume rule's part.

A row of a batch with lexicons carries ``lexicon: {names, version, entries}``: the names and version of the
batch's merged lexicons when the file was rendered, and the entries its text used (whole-word matching,
:mod:`voxray_runtime.text.pronounce`), in full. A rerun keeps a file when the entries its text uses now are
the ones it used then (:func:`voxray_runtime.spec.lexicon.changed_entries` finds none): an edit of an entry
the text does not contain, or a new version of the lexicon as a whole, renders nothing again; an entry
added, changed or removed that the text contains renders that file again. A row without ``lexicon`` used
no entry.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from voxray_runtime.spec.documents import SpecError
from voxray_runtime.spec.lexicon import (
    LexiconEntry,
    LexiconNotFoundError,
    LexiconSpec,
    ResolvedLexicon,
    changed_entries,
)
from voxray_runtime.spec.speechbatch import SpeechBatchSpec
from voxray_runtime.speech.markup import PHONEME_ENGINES
from voxray_runtime.text.pronounce import entries_used
from voxray_runtime.voices.catalog import VoiceBinding

if TYPE_CHECKING:
    from voxray_runtime.batch.plan import WorkItem


def resolve_batch_lexicon(spec: SpeechBatchSpec, lexicons: Mapping[str, LexiconSpec]) -> ResolvedLexicon:
    try:
        return ResolvedLexicon.of(spec.lexicons, lexicons)
    except LexiconNotFoundError as exc:
        raise SpecError(
            f"{exc}; give the Lexicon documents in the SpeechBatch's file or with -f", field="spec.lexicons"
        ) from None


def used_entries(text: str, binding: VoiceBinding, lexicon: ResolvedLexicon) -> tuple[LexiconEntry, ...]:
    """The entries ``text`` uses in ``binding``'s language; SpecError when the voice cannot speak one."""
    used = tuple(
        e for e in entries_used(text, binding.avatar.language, lexicon.entries) if isinstance(e, LexiconEntry)
    )
    ipa = [e.text for e in used if e.ipa]
    if ipa and binding.engine not in PHONEME_ENGINES:
        raise SpecError(
            f"voice {binding.avatar.name} ({binding.engine}) cannot speak the phonemes of lexicon entries "
            f"{', '.join(ipa)}; give them an alias, or use a voice whose engine takes phonemes",
            field="spec.lexicons",
        )
    return used


def lexicon_row(work: WorkItem) -> dict[str, Any]:
    """The manifest fields of ``work``'s lexicon (none when the batch names no lexicon)."""
    if not work.lexicon_names:
        return {}
    return {
        "lexicon": {
            "names": list(work.lexicon_names),
            "version": work.lexicon_version,
            "entries": [e.to_wire() for e in work.entries],
        }
    }


def recorded_entries(entry: Mapping[str, Any]) -> list[LexiconEntry] | None:
    """The entries a row says its file used ([] when it records none); None when unreadable."""
    lexicon = entry.get("lexicon")
    if lexicon is None:
        return []
    raw = lexicon.get("entries") if isinstance(lexicon, Mapping) else None
    if not isinstance(raw, list):
        return None
    try:
        return [LexiconEntry.model_validate(e) for e in raw]
    except ValidationError:
        return None


def lexicon_unchanged(work: WorkItem, entry: Mapping[str, Any]) -> bool:
    """Whether the file of ``entry`` was rendered with the entries ``work``'s text uses now."""
    before = recorded_entries(entry)
    return before is not None and not changed_entries(before, work.entries)
