"""Continuous batching over one llama.cpp context: many users at once, none blocking another.

llama-cpp-python's ``Llama`` is not thread-safe and decodes one sequence at a time. Here one thread owns
the context (``n_seq_max`` = slots, each slot a KV-cache sequence of ``context_length`` tokens) and runs
the loop that llama.cpp's own server runs: every step decodes one token of every sequence that is
generating, plus a chunk of the prompt of sequences still reading theirs, in ONE ``llama_decode`` call
(the weights are read once per step for all of them). A finished or cancelled sequence frees its slot at
the next step; a request beyond the slots waits in a bounded queue, and beyond that is refused at once
(:class:`QueueFullError`), so nothing ever hangs.

Callers receive events through a ``sink`` called on the loop thread (an asyncio bridge or a queue):
:class:`Piece` (text), then one :class:`Done` or :class:`Failed`.
"""

from __future__ import annotations

import codecs
import ctypes
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voxray_runtime.engines.text.params import (
    EngineClosedError,
    FinishReason,
    GenerationParams,
    GenerationResult,
    QueueFullError,
    StopMatcher,
    TextEngineError,
    Usage,
)

_log = logging.getLogger("voxray.text")


@dataclass(frozen=True)
class Piece:
    text: str


@dataclass(frozen=True)
class Done:
    result: GenerationResult


@dataclass(frozen=True)
class Failed:
    error: TextEngineError


Event = Piece | Done | Failed
Sink = Callable[[Event], None]


@dataclass
class Seq:
    """One generation in the loop (owned by the loop thread once submitted)."""

    id: int
    prompt: list[int]
    params: GenerationParams
    max_new: int
    sink: Sink
    submitted: float = field(default_factory=time.perf_counter)
    cancelled: bool = False
    slot: int = -1
    n_past: int = 0
    prefilled: int = 0
    pending: int | None = None
    generated: int = 0
    admitted: float = 0.0
    first: float | None = None
    sampler: Any = None
    utf8: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="replace")
    )
    stop: StopMatcher = field(default_factory=lambda: StopMatcher(()))


class Handle:
    """What a caller holds: cancel the generation (the client went away)."""

    def __init__(self, seq: Seq, wake: Callable[[], None]) -> None:
        self._seq = seq
        self._wake = wake

    def cancel(self) -> None:
        self._seq.cancelled = True
        self._wake()


def _make_sampler(lib: Any, params: GenerationParams, seq_id: int) -> Any:
    chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
    if params.temperature <= 0.0:
        lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_greedy())
        return chain
    seed = params.seed if params.seed is not None else (time.time_ns() + seq_id) & 0xFFFFFFFF
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_top_p(params.top_p, 1))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_temp(params.temperature))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_dist(seed & 0xFFFFFFFF))
    return chain


class BatchLoop:
    """The decode loop over one context. ``lib`` is the ``llama_cpp`` module; ``ctx``/``vocab`` pointers."""

    def __init__(
        self,
        lib: Any,
        ctx: Any,
        vocab: Any,
        *,
        slots: int,
        context_length: int,
        max_queue: int,
        n_batch: int,
        name: str = "text",
    ) -> None:
        self._lib = lib
        self._ctx = ctx
        self._vocab = vocab
        self._mem = lib.llama_get_memory(ctx)
        self.slots = slots
        self.context_length = context_length
        self.max_queue = max_queue
        self._n_batch = n_batch
        self._batch = lib.llama_batch_init(n_batch, 0, 1)
        self._free = list(range(slots - 1, -1, -1))
        self._active: list[Seq] = []
        self._waiting: deque[Seq] = deque()
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._closed = False
        self._piece_buf = ctypes.create_string_buffer(256)
        self._thread = threading.Thread(target=self._run, name=f"llama-{name}", daemon=True)
        self._thread.start()

    # ---- caller side (any thread) -------------------------------------------------------------------
    def stats(self) -> tuple[int, int]:
        """(waiting for a slot, decoding now)."""
        with self._cond:
            return len(self._waiting), len(self._active)

    def submit(self, prompt: list[int], params: GenerationParams, max_new: int, sink: Sink) -> Handle:
        seq = Seq(next(self._ids), prompt, params, max_new, sink, stop=StopMatcher(params.stop))
        with self._cond:
            if self._closed:
                raise EngineClosedError("the text engine is shutting down")
            if len(self._active) + len(self._waiting) >= self.slots + self.max_queue:
                raise QueueFullError(len(self._waiting))
            self._waiting.append(seq)
            self._cond.notify()
        return Handle(seq, self._wake)

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            self._lib.llama_batch_free(self._batch)

    # ---- the loop thread ----------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._active and not self._waiting:
                    self._cond.wait()
                if self._closed:
                    pending = [*self._active, *self._waiting]
                    self._active.clear()
                    self._waiting.clear()
                    break
                self._admit()
            self._drop_cancelled()
            if self._active:
                try:
                    self._step()
                except Exception as exc:  # never leave callers waiting on a broken loop
                    _log.exception("text decode step failed")
                    for seq in list(self._active):
                        self._fail(seq, TextEngineError(f"generation failed: {exc}"))
        for seq in pending:
            seq.sink(Failed(EngineClosedError("the text engine shut down during the request")))

    def _admit(self) -> None:
        while self._free and self._waiting:
            seq = self._waiting.popleft()
            if seq.cancelled:
                seq.sink(Done(self._result(seq, "cancelled")))
                continue
            seq.slot = self._free.pop()
            seq.admitted = time.perf_counter()
            seq.sampler = _make_sampler(self._lib, seq.params, seq.id)
            self._active.append(seq)
        # a request still waiting may be cancelled meanwhile: drop it without holding a slot
        for seq in [s for s in self._waiting if s.cancelled]:
            self._waiting.remove(seq)
            seq.sink(Done(self._result(seq, "cancelled")))

    def _drop_cancelled(self) -> None:
        for seq in [s for s in self._active if s.cancelled]:
            self._release(seq)
            seq.sink(Done(self._result(seq, "cancelled")))

    def _step(self) -> None:
        b = self._batch
        n = 0
        outputs: list[tuple[Seq, int]] = []
        for seq in self._active:  # one token of every sequence already generating
            if seq.pending is None:
                continue
            self._put(n, seq.pending, seq.n_past, seq.slot, True)
            outputs.append((seq, n))
            seq.n_past += 1
            n += 1
        for seq in self._active:  # then prompt chunks, first come first served, in what is left
            if seq.pending is not None or seq.prefilled >= len(seq.prompt) or n >= self._n_batch:
                continue
            take = min(len(seq.prompt) - seq.prefilled, self._n_batch - n)
            for i in range(take):
                last = seq.prefilled + i == len(seq.prompt) - 1
                self._put(n, seq.prompt[seq.prefilled + i], seq.n_past, seq.slot, last)
                if last:
                    outputs.append((seq, n))
                seq.n_past += 1
                n += 1
            seq.prefilled += take
        if n == 0:
            return
        b.n_tokens = n
        rc = self._lib.llama_decode(self._ctx, b)
        if rc != 0:
            raise TextEngineError(f"llama_decode returned {rc}")
        for seq, idx in outputs:
            token = int(self._lib.llama_sampler_sample(seq.sampler, self._ctx, idx))
            self._accept(seq, token)

    def _put(self, i: int, token: int, pos: int, seq_id: int, logits: bool) -> None:
        b = self._batch
        b.token[i] = token
        b.pos[i] = pos
        b.n_seq_id[i] = 1
        b.seq_id[i][0] = seq_id
        b.logits[i] = 1 if logits else 0

    def _piece(self, token: int) -> bytes:
        buf = self._piece_buf
        n = self._lib.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, False)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = self._lib.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, False)
        return bytes(buf.raw[:n])

    def _accept(self, seq: Seq, token: int) -> None:
        now = time.perf_counter()
        if seq.first is None:
            seq.first = now
        seq.generated += 1
        if self._lib.llama_vocab_is_eog(self._vocab, token):
            self._finish(seq, "stop", flush=True)
            return
        text, hit = seq.stop.feed(seq.utf8.decode(self._piece(token)))
        if text:
            seq.sink(Piece(text))
        if hit:
            self._finish(seq, "stop", flush=False)
        elif seq.generated >= seq.max_new:
            self._finish(seq, "length", flush=True)
        else:
            seq.pending = token

    def _finish(self, seq: Seq, reason: FinishReason, *, flush: bool) -> None:
        if flush:
            tail, hit = seq.stop.feed(seq.utf8.decode(b"", final=True))
            tail += "" if hit else seq.stop.flush()
            if tail:
                seq.sink(Piece(tail))
        self._release(seq)
        seq.sink(Done(self._result(seq, reason)))

    def _fail(self, seq: Seq, error: TextEngineError) -> None:
        self._release(seq)
        seq.sink(Failed(error))

    def _release(self, seq: Seq) -> None:
        if seq in self._active:
            self._active.remove(seq)
            self._lib.llama_memory_seq_rm(self._mem, seq.slot, -1, -1)
            with self._cond:
                self._free.append(seq.slot)
        if seq.sampler is not None:
            self._lib.llama_sampler_free(seq.sampler)
            seq.sampler = None

    def _result(self, seq: Seq, reason: FinishReason) -> GenerationResult:
        end = time.perf_counter()
        start = seq.admitted or end
        return GenerationResult(
            finish_reason=reason,
            usage=Usage(len(seq.prompt), seq.generated),
            time_to_first_token_s=None if seq.first is None else seq.first - seq.submitted,
            decode_s=end - seq.first if seq.first is not None else 0.0,
            queued_s=start - seq.submitted,
        )
