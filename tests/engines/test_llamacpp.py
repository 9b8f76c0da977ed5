"""The llama.cpp engine on the real packaged GGUF (Gemma 3 270M Q4_K_M), in process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from voxray_runtime.engines.text.gguf import (
    WeightsIntegrityError,
    check_magic,
    packaged_gguf,
    packaged_sha256,
    verify_packaged,
)
from voxray_runtime.engines.text.llamacpp import LlamaCppEngine
from voxray_runtime.engines.text.params import GenerationParams, PromptTooLongError, QueueFullError

PROMPT = "The three most useful things to pack for a beach holiday are"
GREEDY = GenerationParams(max_tokens=24, temperature=0.0)


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaCppEngine]:
    eng = LlamaCppEngine.packaged(context_length=512, slots=2, max_queue=1, threads=1)
    yield eng
    eng.close()


def _idle(engine: LlamaCppEngine, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if engine.stats() == (0, 0):
            return True
        time.sleep(0.05)
    return False


def test_packaged_weights_are_verified(engine: LlamaCppEngine) -> None:
    assert engine.info.sha256 == packaged_sha256()
    assert engine.info.quantization == "Q4_K_M"
    assert engine.info.chat_template
    assert engine.context_length == 512


def test_damaged_weights_are_refused_or_rebuilt(tmp_path: Path) -> None:
    bad = tmp_path / "gemma-3-270m-q4_k_m.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 1024)
    with pytest.raises(WeightsIntegrityError, match="SHA-256"):
        verify_packaged(bad)
    not_gguf = tmp_path / "x.gguf"
    not_gguf.write_bytes(b"PK\x03\x04 a zip, not a model")
    with pytest.raises(WeightsIntegrityError, match="not a GGUF"):
        check_magic(not_gguf)
    # a damaged copy in the cache is assembled again from the chunk packages
    rebuilt = packaged_gguf(tmp_path)
    assert rebuilt.path == bad
    assert rebuilt.sha256 == packaged_sha256()
    assert verify_packaged(bad) == packaged_sha256()


def test_completion_and_chat(engine: LlamaCppEngine) -> None:
    done = engine.complete(PROMPT, GREEDY)
    assert done.text.strip()
    assert done.result.finish_reason in ("stop", "length")
    assert done.result.usage.prompt_tokens > 5
    assert 0 < done.result.usage.completion_tokens <= 24
    chat = engine.complete([{"role": "user", "content": "Say hello to a hotel guest."}], GREEDY)
    assert chat.text.strip()
    assert "<start_of_turn>" not in chat.text
    assert "<end_of_turn>" not in chat.text


def test_max_tokens_ends_with_length(engine: LlamaCppEngine) -> None:
    done = engine.complete(PROMPT, GenerationParams(max_tokens=5, temperature=0.0))
    assert (done.result.finish_reason, done.result.usage.completion_tokens) == ("length", 5)


def test_stop_sequence_cuts_before_it(engine: LlamaCppEngine) -> None:
    full = engine.complete(PROMPT, GenerationParams(max_tokens=32, temperature=0.0)).text
    words = full.split()
    assert len(words) >= 4, full
    stop = " " + words[3]
    cut = engine.complete(PROMPT, GenerationParams(max_tokens=32, temperature=0.0, stop=(stop,)))
    assert cut.result.finish_reason == "stop"
    assert cut.text == full[: full.index(stop)]


def test_seed_reproducibility(engine: LlamaCppEngine) -> None:
    params = GenerationParams(max_tokens=20, temperature=1.0, top_p=0.95, seed=42)
    a = engine.complete(PROMPT, params).text
    b = engine.complete(PROMPT, params).text
    assert a == b
    others = {
        engine.complete(PROMPT, GenerationParams(max_tokens=20, temperature=1.0, seed=s)).text for s in (1, 2)
    }
    assert others - {a}, "different seeds never changed the text"


def test_prompt_that_fills_the_context_is_refused(engine: LlamaCppEngine) -> None:
    with pytest.raises(PromptTooLongError, match="context window is 512"):
        engine.complete("hotel " * 600, GREEDY)


def test_concurrent_users_all_finish(engine: LlamaCppEngine) -> None:
    results: list[str] = []

    def user(i: int) -> None:
        for _ in range(20):  # the queue is small: retry as a client told Retry-After would
            try:
                results.append(engine.complete(f"{PROMPT} (guest {i})", GREEDY).text)
                return
            except QueueFullError:
                time.sleep(0.2)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 3
    assert all(r.strip() for r in results)
    assert _idle(engine)


def test_full_queue_refuses_at_once_and_cancellation_frees_slots(engine: LlamaCppEngine) -> None:
    long = GenerationParams(max_tokens=400, temperature=0.0)
    streams = [engine.generate(PROMPT, long) for _ in range(3)]  # 2 slots + 1 waiting
    next(streams[0])  # decoding has begun
    started = time.monotonic()
    with pytest.raises(QueueFullError):
        engine.generate(PROMPT, long)
    assert time.monotonic() - started < 1.0
    for s in streams:
        s.close()  # the clients went away
    assert _idle(engine)
    assert (
        engine.complete(
            PROMPT, GenerationParams(max_tokens=3, temperature=0.0)
        ).result.usage.completion_tokens
        == 3
    )
