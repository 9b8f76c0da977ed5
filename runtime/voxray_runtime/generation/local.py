"""The in-process ``TextClient``: the llama.cpp text engine of voxray's text serving
(:mod:`voxray_runtime.engines.text.llamacpp`), loaded in the batch driver's own process.

Used by ``voxray batch`` and ``voxray generate`` when no text model URL is given: the packaged Gemma 3
270M, or a TextModel document (engine llamacpp) given beside the SpeechBatch. The engine's own limits
apply (context window, queue); its errors become :class:`TextModelError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voxray_runtime.generation.client import Completion, TextModelError
from voxray_runtime.generation.prompts import Message, PromptStyle
from voxray_runtime.spec.textmodel import TextModelSpec


class LocalTextClient:
    """Completions from a llama.cpp engine in this process. Its prompt style follows the GGUF: ``chat``
    when the file carries a chat template (an instruction-tuned model), else ``completion`` (a base model
    such as the packaged Gemma 3 270M, which llama.cpp would otherwise wrap in its family's turn format)."""

    def __init__(self, engine: Any, model: str) -> None:
        self._engine = engine
        self._model = model

    @classmethod
    def load(cls, spec: TextModelSpec, name: str, threads: int | None = None) -> LocalTextClient:
        """Load the TextModel's engine (llamacpp only); TextModelError when it cannot load."""
        if spec.engine != "llamacpp":
            raise TextModelError(
                f"TextModel {name} uses engine {spec.engine}, which runs on a GPU cluster only; "
                "locally give its URL (--text-url or VOXRAY_TEXT_MODEL_URL)"
            )
        try:
            from voxray_runtime.engines.text.llamacpp import LlamaCppEngine
        except ImportError as exc:
            raise TextModelError(
                f"in-process text generation needs llama-cpp-python (the runtime extra): {exc}"
            ) from None
        try:
            engine = LlamaCppEngine.from_spec(spec, name=name, threads=threads)
        except Exception as exc:
            raise TextModelError(f"TextModel {name} could not load: {exc}") from exc
        return cls(engine, str(engine.info.model))

    @property
    def model(self) -> str:
        return self._model

    @property
    def where(self) -> str:
        return "in-process (llama.cpp)"

    @property
    def style(self) -> PromptStyle:
        return "chat" if getattr(self._engine.info, "chat_format", "none") == "gguf" else "completion"

    def chat(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float, seed: int
    ) -> Completion:
        return self._run([m.wire() for m in messages], (), max_tokens, temperature, seed)

    def complete(
        self, document: str, *, stop: Sequence[str], max_tokens: int, temperature: float, seed: int
    ) -> Completion:
        return self._run(document, tuple(stop), max_tokens, temperature, seed)

    def _run(
        self, request: Any, stop: tuple[str, ...], max_tokens: int, temperature: float, seed: int
    ) -> Completion:
        from voxray_runtime.engines.text.llamacpp import GenerationParams
        from voxray_runtime.engines.text.params import TextEngineError

        params = GenerationParams(max_tokens=max_tokens, temperature=temperature, seed=seed, stop=stop)
        try:
            done = self._engine.complete(request, params)
        except TextEngineError as exc:
            raise TextModelError(str(exc)) from exc
        usage = done.result.usage
        return Completion(
            text=done.text,
            finish_reason=str(done.result.finish_reason),
            model=self._model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )

    def close(self) -> None:
        self._engine.close()
