"""The text model deployment (``LLM-<name>``): one TextModel's llama.cpp engine in a Serve replica.

Each request is submitted to the engine's batching loop; its events come back to the replica's event
loop through ``call_soon_threadsafe`` and leave as a stream of small dicts:

    {"event": "start", "prompt_tokens": N}         first, once admitted to the engine
    {"event": "text", "text": "..."}               pieces: the first at once, then joined (STREAM_INTERVAL_S)
    {"event": "done", ...GenerationResult.to_wire()}
    {"event": "error", "status": 4xx|5xx, "slug", "detail", "field", "retry_after_s"}   instead of all

Errors are events, not exceptions, so that the ingress can answer with the right status before it
starts a stream. When the caller goes away (the stream is closed), the generation is cancelled and
its slot freed at the next decode step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from voxray_runtime.api.metrics import tag_keys
from voxray_runtime.engines.text.batching import Done, Event, Failed, Piece
from voxray_runtime.engines.text.llamacpp import NoChatTemplateError
from voxray_runtime.engines.text.params import (
    GenerationParams,
    PromptTooLongError,
    QueueFullError,
    TextEngineError,
)
from voxray_runtime.security.logs import configure_json_logging
from voxray_runtime.serve.priority import lower_engine_priority
from voxray_runtime.spec.textmodel import TextModelSpec

#: text events of one stream leave at most this often after the first (pieces decoded meanwhile are joined)
STREAM_INTERVAL_S = 0.08


def _error(status: int, slug: str, detail: str, **extra: Any) -> dict[str, Any]:
    """An error event: the status the ingress answers with, a stable slug, the detail, and ``field`` or
    ``retry_after_s`` where they apply."""
    return {"event": "error", "status": status, "slug": slug, "detail": detail, **extra}


def error_event(exc: Exception, prompt_field: str = "messages") -> dict[str, Any]:
    """The stream event for an engine error (what status the ingress answers with), pure."""
    if isinstance(exc, PromptTooLongError):
        return _error(400, "prompt-too-long", str(exc), field=prompt_field)
    if isinstance(exc, QueueFullError):
        detail = f"the text model is saturated: {exc}; retry shortly"
        return _error(503, "overloaded", detail, retry_after_s=exc.retry_after_s)
    if isinstance(exc, NoChatTemplateError):
        return _error(400, "no-chat-template", str(exc), field="messages")
    return _error(500, "generation-failed", f"generation failed: {exc}")


def request_of(payload: dict[str, Any]) -> str | list[dict[str, str]]:
    messages = payload.get("messages")
    if messages is not None:
        return [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
    return str(payload["prompt"])


class TextLLM:
    def __init__(self, name: str, spec: TextModelSpec) -> None:
        lower_engine_priority()  # voxray serve on a shared machine: the front end first
        configure_json_logging()
        from ray.serve import metrics

        from voxray_runtime.engines.text.llamacpp import LlamaCppEngine

        self.name = name
        self.spec = spec
        self.model_id = self.spec.model_id(name)
        self.engine = LlamaCppEngine.from_spec(self.spec, name=name)
        tags = {"model": self.model_id}
        self._queue_gauge = metrics.Gauge(
            "voxray_text_queue_depth",
            description="Text requests waiting for a sequence slot.",
            tag_keys=tag_keys("model"),
        )
        self._active_gauge = metrics.Gauge(
            "voxray_text_active_sequences",
            description="Text sequences decoding now.",
            tag_keys=tag_keys("model"),
        )
        self._tags = tags
        self._gauges()

    def _gauges(self) -> None:
        waiting, active = self.engine.stats()
        self._queue_gauge.set(float(waiting), tags=dict(self._tags))
        self._active_gauge.set(float(active), tags=dict(self._tags))

    async def generate(self, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Event] = asyncio.Queue()

        def sink(ev: Event) -> None:
            loop.call_soon_threadsafe(events.put_nowait, ev)

        try:
            params = GenerationParams.from_wire(payload["params"])
            handle, prompt_tokens = self.engine.start(request_of(payload), params, sink)
        except (TextEngineError, ValueError) as exc:
            yield error_event(exc, "messages" if payload.get("messages") is not None else "prompt")
            return
        self._gauges()
        finished = False
        last_sent = 0.0
        try:
            yield {"event": "start", "prompt_tokens": prompt_tokens}
            while True:
                ev = await events.get()
                if isinstance(ev, Piece):
                    # the first piece leaves at once; later ones at most every STREAM_INTERVAL_S, joined
                    # (each event crosses two processes: per-token events cost the decoder CPU time)
                    wait = last_sent + STREAM_INTERVAL_S - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    parts, tail = [ev.text], None
                    while not events.empty():
                        nxt = events.get_nowait()
                        if not isinstance(nxt, Piece):
                            tail = nxt
                            break
                        parts.append(nxt.text)
                    last_sent = loop.time()
                    yield {"event": "text", "text": "".join(parts)}
                    if tail is None:
                        continue
                    ev = tail
                if isinstance(ev, Done):
                    finished = True
                    yield {"event": "done", **ev.result.to_wire()}
                    return
                if isinstance(ev, Failed):
                    finished = True
                    yield error_event(ev.error)
                    return
        finally:
            if not finished:
                handle.cancel()  # the caller went away: free the slot at the next step
            self._gauges()

    async def complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The whole generation as one answer: ``{"text", ...done}`` or an error event."""
        text: list[str] = []
        prompt_tokens = 0
        async for ev in self.generate(payload):
            kind = ev["event"]
            if kind == "start":
                prompt_tokens = int(ev["prompt_tokens"])
            elif kind == "text":
                text.append(str(ev["text"]))
            elif kind == "done":
                return {**ev, "text": "".join(text), "prompt_tokens": prompt_tokens}
            else:
                return ev
        return _error(500, "generation-failed", "the generation ended early")

    def info(self) -> dict[str, Any]:
        i = self.engine.info
        return {
            "id": self.model_id,
            "name": self.name,
            "engine": i.name,
            "model": i.model,
            "quantization": i.quantization,
            "weights": i.weights,
            "sha256": i.sha256,
            "context_length": i.context_length,
            "max_tokens": min(self.spec.serving.max_tokens, i.context_length),
            "slots": i.slots,
            "max_queue": i.max_queue,
            "threads": i.threads,
            "chat": i.chat_template,
            "license": i.license,
        }

    def ping(self) -> bool:
        return True

    def __del__(self) -> None:
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.close()
