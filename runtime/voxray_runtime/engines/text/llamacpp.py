"""The llama.cpp text engine: a GGUF model (the packaged Gemma 3 270M Q4_K_M by default) serving
several users at once on CPU.

    engine = LlamaCppEngine.packaged()
    for piece in engine.generate([{"role": "user", "content": "Write a welcome line."}],
                                 GenerationParams(max_tokens=64, seed=7)):
        print(piece, end="")

- ``generate(prompt | messages, params)`` -> an iterator of text pieces (its ``result`` says how it
  ended: finish reason, token usage, timings); ``complete`` returns the whole text. Both are thread-safe:
  any number of threads may call them at once; the decoding itself is batched on one loop thread
  (:mod:`voxray_runtime.engines.text.batching`).
- Chat messages are rendered with the chat template stored in the GGUF (``tokenizer.chat_template``),
  else llama.cpp's built-in template of the model family (Gemma's turn format for the packaged model).
- ``max_tokens`` is bounded by what is left of the context window after the prompt; a prompt that fills
  it is refused (:class:`PromptTooLongError`); past ``slots + max_queue`` requests, :class:`QueueFullError`.
- The weights are located and verified by :mod:`voxray_runtime.engines.text.gguf` (the packaged file's
  SHA-256 is checked on every load).
"""

from __future__ import annotations

import ctypes
import os
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from voxray_runtime.engines.text.batching import BatchLoop, Done, Event, Failed, Handle, Piece, Sink
from voxray_runtime.engines.text.gguf import GgufFile, locate_gguf, packaged_gguf
from voxray_runtime.engines.text.params import (
    GenerationParams,
    GenerationResult,
    PromptTooLongError,
    TextEngineError,
)
from voxray_runtime.spec.textmodel import PACKAGED_TEXT_MODEL, TextModelSpec

Message = Mapping[str, str]
#: a raw prompt (``/v1/completions``) or chat messages (``/v1/chat/completions``)
Request = str | Sequence[Message]

#: llama.cpp's built-in chat templates for model families whose GGUF carries none (the packaged Gemma 3
#: 270M is a base-model conversion without ``tokenizer.chat_template``): Gemma's turn format
BUILTIN_TEMPLATES = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma"}
#: tokens per llama_decode call (prompt chunks share it with the generating sequences)
DEFAULT_N_BATCH = 512


class NoChatTemplateError(TextEngineError):
    """The GGUF has no chat template: only raw completions work with it."""


@dataclass(frozen=True)
class TextEngineInfo:
    """What the engine says about itself (``/v1/models``)."""

    name: str
    model: str
    quantization: str
    weights: str
    sha256: str | None
    context_length: int
    slots: int
    max_queue: int
    threads: int
    chat_template: bool
    #: where the chat template comes from: ``gguf`` (the file's), ``builtin:<name>`` (llama.cpp's), ``none``
    chat_format: str = "none"
    license: str = "Gemma terms of use"


def default_threads() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class TextStream(Iterator[str]):
    """The pieces of one generation, as they are decoded. ``result`` is set once it is exhausted;
    ``close()`` (or dropping it early) cancels the generation and frees its slot."""

    def __init__(self, events: queue.Queue[Event], handle: Handle) -> None:
        self._events = events
        self._handle = handle
        self.result: GenerationResult | None = None

    def __next__(self) -> str:
        if self.result is not None:
            raise StopIteration
        ev = self._events.get()
        if isinstance(ev, Piece):
            return ev.text
        if isinstance(ev, Failed):
            self.result = None
            raise ev.error
        self.result = ev.result
        raise StopIteration

    def close(self) -> None:
        if self.result is None:
            self._handle.cancel()

    def __del__(self) -> None:
        self.close()


@dataclass(frozen=True)
class Completion:
    text: str
    result: GenerationResult


class LlamaCppEngine:
    """One GGUF model in one llama.cpp context with ``slots`` sequences decoded together."""

    def __init__(
        self,
        gguf: GgufFile,
        *,
        context_length: int = 4096,
        slots: int = 4,
        max_queue: int = 32,
        threads: int | None = None,
        n_batch: int = DEFAULT_N_BATCH,
        model_id: str = PACKAGED_TEXT_MODEL,
        name: str = "text",
    ) -> None:
        # idle OpenMP threads sleep rather than spin: on shared CPUs (beside the voices, other replicas)
        # a spinning decode thread starves the rest, and two-thread decoding slows tenfold
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import llama_cpp
        from llama_cpp import _internals

        self._lib = llama_cpp
        self.gguf = gguf
        n_threads = threads or default_threads()
        llama_cpp.llama_log_set(_quiet_log, ctypes_null())
        _backend_init(llama_cpp)
        mparams = llama_cpp.llama_model_default_params()
        self._model = _internals.LlamaModel(path_model=str(gguf.path), params=mparams, verbose=False)
        train_ctx = int(self._model.n_ctx_train())
        per_seq = min(context_length, train_ctx) if train_ctx > 0 else context_length
        cparams = llama_cpp.llama_context_default_params()
        cparams.n_ctx = per_seq * slots
        cparams.n_seq_max = slots
        cparams.n_batch = n_batch
        cparams.n_ubatch = n_batch
        cparams.n_threads = n_threads
        cparams.n_threads_batch = n_threads
        cparams.no_perf = True
        self._ctx = _internals.LlamaContext(model=self._model, params=cparams, verbose=False)
        self.context_length = int(llama_cpp.llama_n_ctx(self._ctx.ctx)) // slots
        self._vocab = self._model.vocab
        self.metadata = self._model.metadata()
        self._formatter = self._chat_formatter()
        self._loop = BatchLoop(
            llama_cpp,
            self._ctx.ctx,
            self._vocab,
            slots=slots,
            context_length=self.context_length,
            max_queue=max_queue,
            n_batch=n_batch,
            name=name,
        )
        self.info = TextEngineInfo(
            name="llamacpp",
            model=model_id,
            quantization=_quantization(self.metadata),
            weights=gguf.source,
            sha256=gguf.sha256,
            context_length=self.context_length,
            slots=slots,
            max_queue=max_queue,
            threads=n_threads,
            chat_template=self._formatter is not None,
            chat_format="none"
            if self._formatter is None
            else f"builtin:{self._formatter}"
            if isinstance(self._formatter, str)
            else "gguf",
        )

    # ---- construction -------------------------------------------------------------------------------
    @classmethod
    def packaged(
        cls,
        *,
        context_length: int = 4096,
        slots: int = 4,
        max_queue: int = 32,
        threads: int | None = None,
    ) -> LlamaCppEngine:
        """The packaged Gemma 3 270M Q4_K_M (assembled and checked against its SHA-256)."""
        return cls(
            packaged_gguf(), context_length=context_length, slots=slots, max_queue=max_queue, threads=threads
        )

    @classmethod
    def from_spec(
        cls, spec: TextModelSpec, *, name: str = "text", threads: int | None = None
    ) -> LlamaCppEngine:
        """The engine a TextModel (engine llamacpp) describes."""
        if spec.engine != "llamacpp":
            raise TextEngineError(f"engine {spec.engine} is not llama.cpp")
        cpu_threads = spec.serving.threads or threads or max(1, round(spec.resources.cpu))
        return cls(
            locate_gguf(spec.weights),
            context_length=spec.context_length,
            slots=spec.serving.max_concurrent_sequences,
            max_queue=spec.serving.max_queue,
            threads=cpu_threads,
            model_id=spec.model_id(name) if spec.weights.source != "packaged" else PACKAGED_TEXT_MODEL,
            name=name,
        )

    def _chat_formatter(self) -> Any:
        template = self.metadata.get("tokenizer.chat_template")
        if not template:
            # no template in the file (a base-model conversion): llama.cpp's built-in one for the family
            return BUILTIN_TEMPLATES.get(self.metadata.get("general.architecture", ""))
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        lib = self._lib
        bos = self._token_text(int(lib.llama_vocab_bos(self._vocab)))
        eos = self._token_text(int(lib.llama_vocab_eos(self._vocab)))
        return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return str(self._model.detokenize([token], special=True).decode("utf-8", errors="replace"))

    # ---- prompts ------------------------------------------------------------------------------------
    def render(self, request: Request) -> str:
        """The prompt text of a request (chat messages through the GGUF's chat template)."""
        if isinstance(request, str):
            return request
        if self._formatter is None:
            raise NoChatTemplateError(
                "this model's GGUF has no chat template: send a raw prompt to /v1/completions instead"
            )
        messages = [{"role": m["role"], "content": m["content"]} for m in request]
        if isinstance(self._formatter, str):
            return self._apply_builtin(self._formatter, messages)
        return str(self._formatter(messages=messages).prompt)

    def _apply_builtin(self, name: str, messages: list[dict[str, str]]) -> str:
        lib = self._lib
        arr = (lib.llama_chat_message * len(messages))()
        keep = []  # the encoded strings must outlive the call
        for i, m in enumerate(messages):
            role, content = m["role"].encode(), m["content"].encode()
            keep += [role, content]
            arr[i].role, arr[i].content = role, content
        size = 2 * sum(len(k) for k in keep) + 512
        buf = ctypes.create_string_buffer(size)
        n = lib.llama_chat_apply_template(name.encode(), arr, len(messages), True, buf, size)
        if n > size:
            buf = ctypes.create_string_buffer(n)
            n = lib.llama_chat_apply_template(name.encode(), arr, len(messages), True, buf, n)
        if n < 0:
            raise NoChatTemplateError(f"llama.cpp could not apply its {name} chat template")
        return buf.raw[:n].decode("utf-8", errors="replace")

    def tokens(self, request: Request) -> list[int]:
        text = self.render(request)
        bos_text = self._token_text(int(self._lib.llama_vocab_bos(self._vocab)))
        add_bos = not (bos_text and text.startswith(bos_text))
        return list(
            self._model.tokenize(text.encode("utf-8"), add_bos=add_bos, special=not isinstance(request, str))
        )

    def budget(self, prompt_tokens: int, max_tokens: int) -> int:
        """Tokens a request may generate: ``max_tokens``, within what the context window leaves."""
        left = self.context_length - prompt_tokens
        if left < 1:
            raise PromptTooLongError(prompt_tokens, self.context_length)
        return min(max_tokens, left)

    # ---- generation ---------------------------------------------------------------------------------
    def start(self, request: Request, params: GenerationParams, sink: Sink) -> tuple[Handle, int]:
        """Low level: submit a generation whose events go to ``sink`` (called on the loop thread).
        Returns its handle and its prompt length in tokens. Raises PromptTooLongError, QueueFullError."""
        prompt = self.tokens(request)
        return self._loop.submit(prompt, params, self.budget(len(prompt), params.max_tokens), sink), len(
            prompt
        )

    def generate(self, request: Request, params: GenerationParams | None = None) -> TextStream:
        """The generated text, piece by piece (see :class:`TextStream`)."""
        events: queue.Queue[Event] = queue.Queue()
        handle, _ = self.start(request, params or GenerationParams(), events.put)
        return TextStream(events, handle)

    def complete(self, request: Request, params: GenerationParams | None = None) -> Completion:
        stream = self.generate(request, params)
        text = "".join(stream)
        assert stream.result is not None
        return Completion(text, stream.result)

    def stats(self) -> tuple[int, int]:
        """(requests waiting for a slot, sequences decoding now)."""
        return self._loop.stats()

    def close(self) -> None:
        self._loop.close()
        self._ctx.close()
        self._model.close()


def _quantization(metadata: Mapping[str, str]) -> str:
    """The GGUF file type as llama.cpp names it (general.file_type 15 is Q4_K_M)."""
    names = {
        "0": "F32",
        "1": "F16",
        "7": "Q8_0",
        "2": "Q4_0",
        "14": "Q4_K_S",
        "15": "Q4_K_M",
        "17": "Q5_K_M",
        "18": "Q6_K",
    }
    return names.get(metadata.get("general.file_type", ""), "gguf")


_BACKEND = threading.Lock()
_backend_ready = False


def _backend_init(lib: Any) -> None:
    """llama.cpp's process-wide initialisation, once (what ``Llama`` does on first use)."""
    global _backend_ready
    with _BACKEND:
        if not _backend_ready:
            lib.llama_backend_init()
            _backend_ready = True


def ctypes_null() -> Any:
    return ctypes.c_void_p(0)


def _quiet_log_impl(level: int, text: bytes, user_data: Any) -> None:
    return None


def _make_quiet_log() -> Any:
    try:
        import llama_cpp
    except ImportError:  # the module stays importable without the runtime extra
        return None
    return llama_cpp.llama_log_callback(_quiet_log_impl)


#: llama.cpp logs every load to stderr; the replica's own logs say what matters
_quiet_log = _make_quiet_log()


__all__ = [
    "Completion",
    "Done",
    "Failed",
    "GenerationParams",
    "GenerationResult",
    "LlamaCppEngine",
    "NoChatTemplateError",
    "Piece",
    "PromptTooLongError",
    "TextEngineInfo",
    "TextStream",
]
