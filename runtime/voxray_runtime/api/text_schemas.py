"""Request and response models of the OpenAI-compatible text routes (``/v1/chat/completions``,
``/v1/completions``). Unknown fields are refused (422 naming them); fields OpenAI defines that voxray
does not implement are accepted only at their neutral value (``n`` 1, penalties 0, no logprobs)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from voxray_runtime.engines.text.params import MAX_STOP_SEQUENCES

Role = Literal["system", "developer", "user", "assistant"]
StopField = Annotated[
    str | list[Annotated[str, Field(min_length=1, max_length=256)]] | None,
    Field(default=None, description=f"up to {MAX_STOP_SEQUENCES} sequences where generation stops"),
]


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    #: a string, or OpenAI's list of text parts
    content: str | list[TextPart]
    name: str | None = Field(default=None, max_length=64)

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_usage: bool = False


class _Sampling(BaseModel):
    """What both routes share."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=253, description="a TextModel's served model name")
    max_tokens: int | None = Field(default=None, ge=1, description="default: the model's serving.maxTokens")
    temperature: float = Field(default=1.0, ge=0, le=2)
    top_p: float = Field(default=1.0, gt=0, le=1)
    stop: StopField = None
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    n: int = Field(default=1, ge=1, le=1, description="only 1 is supported")
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(default=None, max_length=256)
    presence_penalty: float = Field(default=0.0, ge=0, le=0, description="only 0 is supported")
    frequency_penalty: float = Field(default=0.0, ge=0, le=0, description="only 0 is supported")

    @model_validator(mode="after")
    def _stops(self) -> _Sampling:
        if isinstance(self.stop, list) and len(self.stop) > MAX_STOP_SEQUENCES:
            raise ValueError(f"stop takes at most {MAX_STOP_SEQUENCES} sequences")
        if isinstance(self.stop, str) and not self.stop:
            raise ValueError("stop must not be empty")
        return self

    @property
    def stops(self) -> tuple[str, ...]:
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)


class ChatCompletionRequest(_Sampling):
    messages: list[ChatMessage] = Field(description="the conversation so far (at least one message)")
    #: OpenAI's newer name for max_tokens
    max_completion_tokens: int | None = Field(default=None, ge=1)
    logprobs: bool = Field(default=False, description="not supported: false only")

    @model_validator(mode="after")
    def _chat(self) -> ChatCompletionRequest:
        if self.logprobs:
            raise ValueError("logprobs are not supported")
        return self


class CompletionRequest(_Sampling):
    prompt: str | list[str] = Field(description="the text to continue (one prompt)")
    echo: bool = Field(default=False, description="not supported: false only")

    @model_validator(mode="after")
    def _completion(self) -> CompletionRequest:
        if self.echo:
            raise ValueError("echo is not supported")
        return self


class UsageInfo(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: str
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: UsageInfo
    system_fingerprint: str | None = None


class CompletionChoice(BaseModel):
    index: int = 0
    text: str
    finish_reason: str
    logprobs: None = None


class TextCompletion(BaseModel):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: UsageInfo
    system_fingerprint: str | None = None


class TextModelInfo(BaseModel):
    """A TextModel in ``GET /v1/models`` (``kind`` tells it from the speech models)."""

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "voxray"
    kind: Literal["text"] = "text"
    name: str
    engine: str
    model: str
    quantization: str
    weights: str
    #: the verified SHA-256 of the weights file (packaged weights)
    sha256: str | None = None
    context_length: int
    max_tokens: int
    slots: int
    chat: bool
    license: str
