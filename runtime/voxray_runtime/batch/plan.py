"""Validation and planning: a SpeechBatch spec -> the list of files to render. Pure apart from reading
the input file.

Everything that can be wrong with a batch is found here, before any Ray work starts, and raised as a
SpecError naming the offending field: unknown voices, models that do not serve them, missing
translations, file-name templates that collide or leave the output directory, bitrate vs format.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voxray_runtime.batch.items import load_items
from voxray_runtime.batch.lexicon import resolve_batch_lexicon, used_entries
from voxray_runtime.generation.records import POSTS_FILE
from voxray_runtime.models import NamedModel, catalog_for
from voxray_runtime.spec.documents import SpecError
from voxray_runtime.spec.lexicon import LexiconEntry, LexiconSpec, ResolvedLexicon
from voxray_runtime.spec.speechbatch import MP3_BITRATES, BatchItem, BatchOutputSpec, SpeechBatchSpec
from voxray_runtime.storage.location import Location
from voxray_runtime.storage.naming import NamingError, extension_for, render_name
from voxray_runtime.storage.paths import check_output_name
from voxray_runtime.storage.store import resolve_location
from voxray_runtime.voices.avatars import LANGUAGES, Avatar, VoiceError, expand_variants
from voxray_runtime.voices.catalog import Catalog, VoiceBinding

#: VoiceError.field (from voices/) -> the SpeechBatch field it concerns
_VARIANT_FIELDS = {
    "avatar": "spec.variants.avatars",
    "genders": "spec.variants.genders",
    "dialects": "spec.variants.dialects",
    "languages": "spec.variants.languages",
    "variants": "spec.variants",
}
#: names the driver writes next to the audio files
SUMMARY_FILE = "summary.json"
FAILURES_FILE = "failures.jsonl"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class WorkItem:
    """One file to render: an item's text in one avatar's voice."""

    name: str
    index: int
    id: str
    binding: VoiceBinding
    text: str
    text_sha256: str
    #: ``ssml``: ``text`` is an SSML document (its item's ``textType``)
    text_type: str = "text"
    #: the lexicon entries the text uses (whole words, its language), and the batch's lexicons
    entries: tuple[LexiconEntry, ...] = ()
    lexicon_names: tuple[str, ...] = ()
    lexicon_version: str = ""

    @property
    def avatar(self) -> Avatar:
        return self.binding.avatar


@dataclass(frozen=True)
class Plan:
    spec: SpeechBatchSpec
    items: tuple[BatchItem, ...]
    avatars: tuple[Avatar, ...]
    #: the VoiceModels that speak at least one planned file, in resolution order
    models: tuple[NamedModel, ...]
    work: tuple[WorkItem, ...]
    #: a local directory or an object store prefix (``s3://bucket/prefix``)
    output_dir: Location
    format: str
    bitrate_kbps: int | None
    speed: float
    #: the batch's lexicons merged (no names: none)
    lexicon: ResolvedLexicon = field(default_factory=ResolvedLexicon)

    # resolved under the output directory (UnsafePathError when a symlink there leads outside)
    @property
    def manifest_path(self) -> Location:
        return resolve_location(self.output_dir, self.spec.output.manifest)

    @property
    def summary_path(self) -> Location:
        return resolve_location(self.output_dir, SUMMARY_FILE)

    @property
    def failures_path(self) -> Location:
        return resolve_location(self.output_dir, FAILURES_FILE)


def select_models(spec: SpeechBatchSpec, available: Sequence[NamedModel]) -> list[NamedModel]:
    """The VoiceModels the batch uses: those spec.voiceModels names (in its order), else all given."""
    if not spec.voice_models:
        if not available:
            raise SpecError("no VoiceModels to render with", field="spec.voiceModels")
        return list(available)
    by_name = {m.name: m for m in available}
    unknown = [n for n in spec.voice_models if n not in by_name]
    if unknown:
        raise SpecError(
            f"unknown VoiceModel(s) {', '.join(unknown)}; known: {', '.join(by_name) or 'none'} "
            "(pass the VoiceModel files with -m, or name bundled ones)",
            field="spec.voiceModels",
        )
    return [by_name[n] for n in dict.fromkeys(spec.voice_models)]


def select_avatars(spec: SpeechBatchSpec, catalog: Catalog | None = None) -> tuple[Avatar, ...]:
    """The avatars to render: built-in ones as :func:`expand_variants` selects them, then the custom avatars
    (brand voices) of the VoiceModels that ``variants.avatars`` names, in the order given."""
    v = spec.variants
    if v.all and (v.avatars or v.languages or v.dialects or v.genders):
        raise SpecError(
            "all: true renders every avatar; leave avatars/languages/dialects/genders out",
            field="spec.variants.all",
        )
    customs: list[Avatar] = []
    built_in: list[str] = []
    for name in v.avatars or []:
        found = _custom(catalog, name)
        if found is not None:
            customs.append(found)
        else:
            built_in.append(name)
    if customs and not (built_in or v.languages or v.dialects or v.all):
        return tuple(dict.fromkeys(customs))
    try:
        chosen = expand_variants(
            avatars=built_in or None,
            languages=v.languages,
            dialects=v.dialects,
            genders=v.genders,
            all_avatars=v.all,
        )
    except VoiceError as exc:
        raise SpecError(str(exc), field=_VARIANT_FIELDS.get(exc.field, "spec.variants")) from None
    return tuple(dict.fromkeys([*chosen, *customs]))


def _custom(catalog: Catalog | None, name: str) -> Avatar | None:
    if catalog is None:
        return None
    try:
        found = catalog.find(name)
    except VoiceError:
        return None
    return found if found.is_custom else None


def resolve_bindings(
    avatars: Sequence[Avatar], catalog: Catalog, model_names: Sequence[str]
) -> dict[Avatar, VoiceBinding]:
    out: dict[Avatar, VoiceBinding] = {}
    unserved: list[str] = []
    for a in avatars:
        try:
            out[a] = catalog.resolve(a)
        except VoiceError:
            unserved.append(a.name)
    if unserved:
        raise SpecError(
            f"voice(s) {', '.join(unserved)} are not served by the VoiceModels {', '.join(model_names)}; "
            "add a VoiceModel that serves them to spec.voiceModels or narrow spec.variants",
            field="spec.variants",
        )
    return out


def check_translations(items: Sequence[BatchItem], avatars: Sequence[Avatar], input_field: str) -> None:
    languages = list(dict.fromkeys(a.language for a in avatars))
    for pos, item in enumerate(items):
        missing = [lang for lang in languages if not (item.texts.get(lang) or "").strip()]
        if missing:
            field = f"spec.input.items.{pos}.texts" if input_field == "spec.input.items" else input_field
            raise SpecError(
                f"item {item.index}{f' ({item.id})' if item.id else ''} has no text for "
                f"{', '.join(missing)}, which the requested voices speak",
                field=field,
            )


def check_output(output: BatchOutputSpec) -> None:
    fmt, bitrate = output.format, output.bitrate_kbps
    if fmt == "mp3" and bitrate not in MP3_BITRATES:
        raise SpecError(
            f"{bitrate} kbps is not an MP3 bitrate; use one of {', '.join(map(str, MP3_BITRATES))}",
            field="spec.output.bitrateKbps",
        )
    if fmt == "opus" and not 6 <= bitrate <= 256:
        raise SpecError("opus bitrates lie in 6..256 kbps", field="spec.output.bitrateKbps")
    if fmt in ("wav", "flac") and "bitrate_kbps" in output.model_fields_set:
        raise SpecError(
            f"{fmt} is lossless: bitrateKbps does not apply; leave it out", field="spec.output.bitrateKbps"
        )
    try:
        check_output_name(output.manifest)
    except NamingError as exc:
        raise SpecError(str(exc), field="spec.output.manifest") from None
    if output.manifest in (SUMMARY_FILE, FAILURES_FILE):
        raise SpecError(
            f"{output.manifest} is written by the driver itself; choose another name",
            field="spec.output.manifest",
        )


def check_generate(spec: SpeechBatchSpec, avatars: Sequence[Avatar]) -> tuple[str, ...]:
    """The languages a ``spec.generate`` batch writes (source first); SpecError naming the field when the
    brief is blank, a language is unknown, or a requested voice speaks a language not generated."""
    gen = spec.generate
    assert gen is not None
    if not gen.brief.strip():
        raise SpecError("the brief is empty: say what the posts are about", field="spec.generate.brief")
    if gen.source_language not in LANGUAGES:
        raise SpecError(
            f"unsupported language {gen.source_language!r}; supported: {', '.join(LANGUAGES)}",
            field="spec.generate.sourceLanguage",
        )
    unknown = [lang for lang in gen.languages if lang not in LANGUAGES]
    if unknown:
        raise SpecError(
            f"unsupported language(s) {', '.join(unknown)}; supported: {', '.join(LANGUAGES)}",
            field="spec.generate.languages",
        )
    languages = tuple(dict.fromkeys([gen.source_language, *gen.languages]))
    missing = [lang for lang in dict.fromkeys(a.language for a in avatars) if lang not in languages]
    if missing:
        raise SpecError(
            f"the requested voices speak {', '.join(missing)}, which the posts are not written in "
            f"(written in {', '.join(languages)}): add them to spec.generate.languages or narrow "
            "spec.variants",
            field="spec.generate.languages",
        )
    return languages


def name_values(item: BatchItem, avatar: Avatar, ext: str) -> dict[str, object]:
    return {
        "index": item.index,
        "id": item.id if item.id is not None else str(item.index),
        "gender": avatar.gender,
        "locale": avatar.locale,
        "language": avatar.language,
        "dialect": avatar.dialect or "",
        "avatar": avatar.name,
        "ext": ext,
    }


def render_names(
    template: str,
    items: Sequence[BatchItem],
    avatars: Sequence[Avatar],
    fmt: str,
    reserved: Sequence[str] = (),
) -> dict[tuple[int, Avatar], str]:
    """Every file name of the batch; SpecError (spec.output.fileNameTemplate) on any bad or repeated name."""
    field = "spec.output.fileNameTemplate"
    ext = extension_for(fmt)
    names: dict[tuple[int, Avatar], str] = {}
    seen: dict[str, tuple[int, str]] = {r.casefold(): (-1, "a file the driver writes") for r in reserved}
    for item in items:
        for avatar in avatars:
            try:
                name = check_output_name(render_name(template, name_values(item, avatar, ext)))
            except NamingError as exc:
                raise SpecError(f"{exc} (item {item.index}, {avatar.name})", field=field) from None
            if not name.endswith(f".{ext}"):
                raise SpecError(
                    f"names must end with .{ext} for format {fmt} (end it with .{{ext}}); got {name!r}",
                    field=field,
                )
            key = name.casefold()
            if key in seen:
                other_index, other_avatar = seen[key]
                what = other_avatar if other_index < 0 else f"item {other_index}, {other_avatar}"
                raise SpecError(
                    f"{name!r} names both item {item.index}, {avatar.name} and {what}: the template needs "
                    "more fields to be unique (for example {index} and {avatar})",
                    field=field,
                )
            seen[key] = (item.index, avatar.name)
            names[(item.index, avatar)] = name
    return names


def build_plan(
    spec: SpeechBatchSpec,
    *,
    models: Sequence[NamedModel],
    output_dir: Location,
    limit: int | None = None,
    base_dir: Path | None = None,
    items: Sequence[BatchItem] | None = None,
    lexicons: Mapping[str, LexiconSpec] | None = None,
) -> Plan:
    """Validate everything and list the files to render (item order, then avatar order).

    A ``spec.generate`` batch takes ``items``: the posts its generation step wrote (or, to validate
    before any text is written, the posts it will write: ``generation.records.expected_items``).
    """
    chosen = select_models(spec, models)
    lexicon = resolve_batch_lexicon(spec, lexicons or {})
    catalog = catalog_for(chosen)
    avatars = select_avatars(spec, catalog)
    bindings = resolve_bindings(avatars, catalog, [m.name for m in chosen])
    check_output(spec.output)
    if limit is not None and limit < 1:
        raise SpecError("--limit must be at least 1", field="spec.input.limit")
    reserved = [spec.output.manifest, SUMMARY_FILE, FAILURES_FILE]
    if spec.input is None:
        check_generate(spec, avatars)
        if items is None:
            raise SpecError(
                "this batch generates its texts: the generation step runs first (voxray batch does it)",
                field="spec.generate",
            )
        if spec.output.manifest == POSTS_FILE:
            raise SpecError(
                f"{POSTS_FILE} holds the generated posts; choose another manifest name",
                field="spec.output.manifest",
            )
        reserved.append(POSTS_FILE)
        input_field = "spec.generate.languages"
    else:
        if items is not None:
            raise SpecError("items are given by spec.input; no generated items apply", field="spec.input")
        items = load_items(spec.input, base_dir=base_dir, limit=limit)
        input_field = (
            "spec.input.items"
            if spec.input.items is not None
            else "spec.input.file"
            if spec.input.file
            else "spec.input.configMap"
        )
    check_translations(items, avatars, input_field)
    fmt = spec.output.format
    names = render_names(spec.output.file_name_template, items, avatars, fmt, reserved=reserved)
    work = []
    for item in items:
        for avatar in avatars:
            text = item.texts[avatar.language]
            work.append(
                WorkItem(
                    name=names[(item.index, avatar)],
                    index=item.index,
                    id=item.id if item.id is not None else str(item.index),
                    binding=bindings[avatar],
                    text=text,
                    text_sha256=text_sha256(text),
                    text_type=item.text_type or "text",
                    entries=used_entries(text, bindings[avatar], lexicon),
                    lexicon_names=tuple(lexicon.names),
                    lexicon_version=lexicon.version if lexicon.names else "",
                )
            )
    used = {b.model for b in bindings.values()}
    return Plan(
        spec=spec,
        items=tuple(items),
        avatars=avatars,
        models=tuple(m for m in chosen if m.name in used),
        work=tuple(work),
        output_dir=output_dir,
        format=fmt,
        bitrate_kbps=spec.output.bitrate_kbps if fmt in ("mp3", "opus") else None,
        speed=spec.speed,
        lexicon=lexicon,
    )
