"""A job from segments (SSML, pronunciation entries): text normalised per segment in its own language and
spoken by the same voice with that language's phonemizer, phonemes as written, breaks as silences.

Phonemes go inline as ``[[...]]``, in the form each engine reads: IPA for Kokoro and Piper (espeak-ng's
IPA, code points), espeak-ng's own mnemonics for espeak (engines/espeak_ipa.py converts them).

Pure: no engine runs here. Everything that cannot be spoken is refused before a replica sees the job:
a language the voice's engine has no phonemizer for, an IPA symbol the engine has no phoneme for,
phonemes for an engine that takes none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from voxray_runtime.engines.espeak_ipa import IPAError, to_espeak, to_piper
from voxray_runtime.speech.assembly import sentence_pause_s
from voxray_runtime.speech.job import MAX_CHUNK_CHARS, ChunkPlan, EmptyTextError, SpeechJob, new_request_id
from voxray_runtime.text import normalize, split_sentences
from voxray_runtime.text.segments import BreakSegment, PhonemeSegment, Segment, TextSegment
from voxray_runtime.voices.avatars import DIALECTS, Avatar, VoiceError
from voxray_runtime.voices.catalog import ENGINE_BINDINGS, VoiceBinding

#: engines that speak phoneme segments
PHONEME_ENGINES = frozenset({"kokoro", "piper", "espeak"})
#: a phoneme block stands in a chunk as one private-use token while sentences are cut: its ``.``, ``?`` or
#: spaces (espeak-ng's ``l.``, ``?``; word breaks) must not end a sentence or be a cut point; padded to the
#: block's length, so that chunk sizes count it whole
_SLOT = re.compile("\ue000(\\d+)\ue001\ue002*")


def phoneme_block(binding: VoiceBinding, seg: PhonemeSegment, language: str) -> str:
    """``seg`` inline as ``[[...]]`` in what the voice's engine reads, or a 4xx :class:`VoiceError`."""
    engine = binding.engine
    if engine not in PHONEME_ENGINES:
        raise VoiceError(
            f"voice {binding.avatar.name} ({engine}) cannot speak phonemes ({seg.text!r}): its engine reads "
            f"text only; phonemes are spoken by {', '.join(sorted(PHONEME_ENGINES))} voices. Use an alias, "
            "or one of those voices",
            field="text",
        )
    try:
        if engine == "espeak":
            return f"[[{to_espeak(seg.ipa, language)}]]"
        if engine == "piper":
            return f"[[{to_piper(seg.ipa, language)}]]"
    except IPAError as exc:
        raise VoiceError(
            f"voice {binding.avatar.name} ({engine}) cannot speak {seg.text!r}: {exc}", field="text"
        ) from exc
    return f"[[{seg.ipa}]]"


def engine_language(binding: VoiceBinding, language: str, dialect: str | None) -> str:
    """The engine language the voice reads ``language`` (``dialect``) with: its own for its own locale, else
    the one its engine uses for that locale (the same voice, another phonemizer)."""
    own = binding.avatar
    if language == own.language and dialect in (None, own.dialect):
        return binding.engine_language
    locale = dialect if dialect in DIALECTS.get(language, ()) else (DIALECTS.get(language) or (None,))[0]
    found = ENGINE_BINDINGS.get(binding.engine, {}).get(Avatar(own.gender, language, locale).name)
    if found is None:
        found = ENGINE_BINDINGS.get(binding.engine, {}).get(Avatar("female", language, locale).name)
    if found is None:
        raise VoiceError(
            f"voice {own.name} ({binding.engine}) cannot switch to {dialect or language}: its engine has no "
            "phonemizer for it",
            field="text",
        )
    return found.engine_language


def job_for_segments(
    binding: VoiceBinding,
    segments: Sequence[Segment],
    *,
    speed: float = 1.0,
    format: str = "mp3",
    bitrate_kbps: int = 64,
    chars: int = 0,
    request_id: str | None = None,
    max_chars: int = MAX_CHUNK_CHARS,
) -> SpeechJob:
    """The job speaking ``segments`` in order. Text and phonemes of one language and rate between two breaks
    are one run, normalised and cut into sentences together, phonemes inline as ``[[ipa]]`` (Kokoro reads
    them as written, within the sentence's prosody). Breaks before the first and after the last chunk are
    not rendered (the audio is trimmed)."""
    chunks: list[str] = []
    plan: list[ChunkPlan] = []
    default_pause = sentence_pause_s(speed)
    run: list[TextSegment | PhonemeSegment] = []

    def flush() -> None:
        if not run:
            return
        first = run[0]
        lang = engine_language(binding, first.language, first.dialect)
        parts: list[str] = []
        blocks: list[str] = []
        for seg in run:
            if isinstance(seg, PhonemeSegment):
                blocks.append(phoneme_block(binding, seg, lang))
                parts.append(f"\ue000{len(blocks) - 1}\ue001".ljust(len(blocks[-1]), "\ue002"))
            else:
                parts.append(normalize(seg.text, seg.language, seg.dialect))
        rate = min(4.0, max(0.25, speed * first.rate))
        for cut in split_sentences(" ".join(p for p in parts if p.strip()), first.language, max_chars):
            piece = _SLOT.sub(lambda m: blocks[int(m.group(1))], cut)
            if any(c.isalnum() for c in piece):
                chunks.append(piece)
                plan.append(ChunkPlan(lang, rate, default_pause))
        run.clear()

    for seg in segments:
        if isinstance(seg, BreakSegment):
            flush()
            if plan:
                last = plan[-1]
                plan[-1] = ChunkPlan(last.language, last.speed, seg.seconds)
            continue
        if run and (run[0].language, run[0].dialect, run[0].rate) != (seg.language, seg.dialect, seg.rate):
            flush()
        run.append(seg)
    flush()
    if not chunks:
        raise EmptyTextError("the text has nothing speakable after normalisation")
    return SpeechJob(
        binding,
        tuple(chunks),
        speed,
        format,
        bitrate_kbps,
        chars,
        request_id or new_request_id(),
        tuple(plan),
    )
