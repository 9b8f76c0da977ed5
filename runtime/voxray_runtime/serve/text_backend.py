"""The ingress side of the text models: jobs to ``LLM-<name>`` deployments through their handles.

A llama.cpp TextModel's deployment is :class:`voxray_runtime.serve.text.TextLLM` (events as dicts); a
vLLM TextModel's is Ray Serve LLM's ``LLMServer``, whose OpenAI chunks are turned into the same events
here (:class:`VllmEvents`), so the routes, metrics and audit are the same for both engines.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Mapping
from typing import Any, cast

from ray.exceptions import RayActorError
from ray.serve.exceptions import BackPressureError
from ray.serve.handle import DeploymentHandle, DeploymentResponseGenerator

from voxray_runtime.api.text_schemas import TextModelInfo
from voxray_runtime.api.text_service import TextJob, TextModelEntry

HEALTH_TIMEOUT_S = 5.0

_log = logging.getLogger("voxray.ingress")


def overloaded(model: str, why: str, retry_after_s: int = 1) -> dict[str, Any]:
    return {
        "event": "error",
        "status": 503,
        "slug": "overloaded",
        "detail": f"text model {model} {why}; retry shortly",
        "retry_after_s": retry_after_s,
    }


def vllm_request(job: TextJob) -> dict[str, Any]:
    """The OpenAI request body Ray Serve LLM takes for a job (pure)."""
    p = job.params
    body: dict[str, Any] = {
        "model": job.model.id,
        "max_tokens": p.max_tokens,
        "temperature": p.temperature,
        "top_p": p.top_p,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if p.stop:
        body["stop"] = list(p.stop)
    if p.seed is not None:
        body["seed"] = p.seed
    if job.messages is not None:
        body["messages"] = job.messages
    else:
        body["prompt"] = job.prompt
    return body


def vllm_events(chunk: str) -> list[dict[str, Any]]:
    """Our events from one SSE string of Ray Serve LLM (``data: {...}\\n\\n`` lines), pure."""
    out: list[dict[str, Any]] = []
    for line in chunk.splitlines():
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        obj = json.loads(line[6:])
        if "error" in obj or obj.get("object") == "error":
            err = obj.get("error", obj)
            out.append(
                {
                    "event": "error",
                    "status": int(err.get("code") or 500),
                    "slug": "generation-failed",
                    "detail": str(err.get("message", err)),
                }
            )
            continue
        for choice in obj.get("choices") or []:
            text = (choice.get("delta") or {}).get("content") if "delta" in choice else choice.get("text")
            if text:
                out.append({"event": "text", "text": text})
            if choice.get("finish_reason"):
                out.append({"event": "finish", "finish_reason": choice["finish_reason"]})
        if obj.get("usage"):
            out.append({"event": "usage", **obj["usage"]})
    return out


class HandleTextBackend:
    def __init__(
        self,
        handles: Mapping[str, DeploymentHandle[Any]],
        models: Mapping[str, TextModelEntry],
        timeout_s: float = 300.0,
    ) -> None:
        self._handles = dict(handles)
        self._models = dict(models)
        self._timeout = timeout_s

    def _handle(self, job: TextJob) -> DeploymentHandle[Any]:
        return self._handles[job.model.name]

    async def generate(self, job: TextJob) -> AsyncGenerator[dict[str, Any]]:
        if job.model.engine == "vllm":
            async for ev in self._vllm(job):
                yield ev
            return
        gen = cast(
            DeploymentResponseGenerator[dict[str, Any]],
            self._handle(job).options(stream=True).generate.remote(job.payload()),
        )
        try:
            async for ev in gen:
                yield ev
        except BackPressureError:
            yield overloaded(job.model.id, "is saturated (its request queue is full)")
        except RayActorError:
            yield overloaded(job.model.id, "lost a replica while answering and is recovering", 5)
        finally:
            # the caller stopped reading: cancel the generation in the replica
            gen.cancel()  # type: ignore[no-untyped-call]

    async def _vllm(self, job: TextJob) -> AsyncGenerator[dict[str, Any]]:
        from ray.serve.llm.openai_api_models import ChatCompletionRequest, CompletionRequest

        body = vllm_request(job)
        handle = self._handle(job).options(stream=True)
        if job.messages is not None:
            response = handle.chat.remote(ChatCompletionRequest(**body))
        else:
            response = handle.completions.remote(CompletionRequest(**body))
        gen = cast(DeploymentResponseGenerator[Any], response)
        started = asyncio.get_running_loop().time()
        first: float | None = None
        finish, usage = "stop", {"prompt_tokens": 0, "completion_tokens": 0}
        yield {"event": "start", "prompt_tokens": 0}
        try:
            async for item in gen:
                for chunk in item if isinstance(item, list) else [item]:
                    for ev in vllm_events(
                        chunk if isinstance(chunk, str) else f"data: {chunk.model_dump_json()}"
                    ):
                        if ev["event"] == "text":
                            first = first or asyncio.get_running_loop().time()
                            yield ev
                        elif ev["event"] == "finish":
                            finish = str(ev["finish_reason"])
                        elif ev["event"] == "usage":
                            usage = {k: int(ev.get(k, 0)) for k in usage}
                        else:
                            yield ev
                            return
        except BackPressureError:
            yield overloaded(job.model.id, "is saturated (its request queue is full)")
            return
        finally:
            gen.cancel()  # type: ignore[no-untyped-call]
        end = asyncio.get_running_loop().time()
        yield {
            "event": "done",
            "finish_reason": finish,
            **usage,
            "time_to_first_token_s": None if first is None else first - started,
            "decode_s": end - (first or end),
            "queued_s": 0.0,
        }

    async def complete(self, job: TextJob) -> dict[str, Any]:
        if job.model.engine == "vllm":
            text: list[str] = []
            async for ev in self._vllm(job):
                if ev["event"] == "text":
                    text.append(ev["text"])
                elif ev["event"] == "done":
                    return {**ev, "text": "".join(text)}
                elif ev["event"] == "error":
                    return ev
            return {
                "event": "error",
                "status": 500,
                "slug": "generation-failed",
                "detail": "no answer from vLLM",
            }
        try:
            return cast(
                dict[str, Any],
                await asyncio.wait_for(
                    self._handle(job).complete.remote(job.payload()), timeout=self._timeout
                ),
            )
        except BackPressureError:
            return overloaded(job.model.id, "is saturated (its request queue is full)")
        except RayActorError:
            return overloaded(job.model.id, "lost a replica while answering and is recovering", 5)
        except TimeoutError:
            return {
                "event": "error",
                "status": 504,
                "slug": "timeout",
                "detail": f"text model {job.model.id} did not answer within {self._timeout:.0f} s",
            }

    async def models(self) -> list[TextModelInfo]:
        out = []
        for name, entry in self._models.items():
            if entry.engine == "vllm":
                out.append(
                    TextModelInfo(
                        id=entry.id,
                        name=name,
                        engine="vllm",
                        model=entry.id,
                        quantization="",
                        weights="",
                        context_length=entry.context_length,
                        max_tokens=entry.max_tokens,
                        slots=0,
                        chat=True,
                        license="",
                    )
                )
                continue
            info = await self._handles[name].info.remote()
            out.append(TextModelInfo(**info))
        return out

    async def health(self) -> dict[str, bool]:
        async def ping(name: str) -> bool:
            method = "check_health" if self._models[name].engine == "vllm" else "ping"
            try:
                await asyncio.wait_for(
                    getattr(self._handles[name], method).remote(), timeout=HEALTH_TIMEOUT_S
                )
                return True
            except Exception:
                return False

        names = list(self._handles)
        return dict(zip(names, await asyncio.gather(*(ping(n) for n in names)), strict=True))
