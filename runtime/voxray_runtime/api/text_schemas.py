"""Request and response models of the OpenAI-compatible text routes (``/v1/chat/completions``,
``/v1/completions``), after OpenAI's published OpenAPI document.

Every member OpenAI's request schemas define is declared, with the types and nulls the document allows
(an explicit ``null`` means the document's default). Members voxray cannot honour are accepted only at
their neutral value; any other value is refused with a 400 naming the member and why (see
:mod:`voxray_runtime.api.openai_compat`). Members OpenAI does not define are refused (422 naming them).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from voxray_runtime.api.openai_compat import FinishReason
from voxray_runtime.engines.text.params import MAX_STOP_SEQUENCES

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]
StopField = Annotated[
    str | list[Annotated[str, Field(min_length=1, max_length=256)]] | None,
    Field(default=None, description=f"up to {MAX_STOP_SEQUENCES} sequences where generation stops"),
]
#: OpenAI's seeds are 64-bit integers (voxray's engines take their low 32 bits)
Seed = Annotated[int | None, Field(default=None, ge=-(2**63), le=2**63 - 1)]


class ContentPart(BaseModel):
    """A part of a message's content. Only ``text`` parts (and an assistant's ``refusal`` parts) are
    read; image, audio and file parts are refused by name (voxray's text models read text only)."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None
    refusal: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    #: a string, or OpenAI's list of content parts; null only for an assistant message
    content: str | list[ContentPart] | None = None
    name: str | None = Field(default=None, max_length=64)
    #: an earlier assistant refusal (read as its text when the message has no content)
    refusal: str | None = None
    audio: dict[str, Any] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    function_call: dict[str, Any] | None = None
    tool_call_id: str | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if self.content is None:
            return self.refusal or ""
        return "".join(p.text or p.refusal or "" for p in self.content)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_usage: bool | None = False
    #: OpenAI's random padding of stream chunks: voxray adds none (false only)
    include_obfuscation: bool | None = None


class _Sampling(BaseModel):
    """What both routes share."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=253, description="a TextModel's served model name")
    max_tokens: int | None = Field(default=None, ge=1, description="default: the model's serving.maxTokens")
    #: null: the document's default (1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    #: null: the document's default (1); 0 keeps only the likeliest token (greedy decoding)
    top_p: float | None = Field(default=None, ge=0, le=1)
    stop: StopField = None
    seed: Seed = None
    n: int | None = Field(default=None, ge=1, le=128, description="only 1 is supported")
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(default=None, max_length=256)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2, description="only 0 is supported")
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2, description="only 0 is supported")
    logit_bias: dict[str, int] | None = Field(default=None, description="only {} is supported")

    @field_validator("stop")
    @classmethod
    def _stops(cls, v: str | list[str] | None) -> str | list[str] | None:
        if isinstance(v, list) and not 1 <= len(v) <= MAX_STOP_SEQUENCES:
            raise ValueError(f"stop takes 1 to {MAX_STOP_SEQUENCES} sequences")
        if isinstance(v, str) and not v:
            raise ValueError("stop must not be empty")
        return v

    @property
    def stops(self) -> tuple[str, ...]:
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


class ChatCompletionRequest(_Sampling):
    messages: list[ChatMessage] = Field(description="the conversation so far (at least one message)")
    #: OpenAI's newer name for max_tokens
    max_completion_tokens: int | None = Field(default=None, ge=1)
    logprobs: bool | None = Field(default=None, description="not supported: false only")
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    response_format: dict[str, Any] | None = Field(default=None, description='{"type": "text"} only')
    # members that do not change the text (accepted, not used)
    metadata: dict[str, str] | None = None
    safety_identifier: str | None = Field(default=None, max_length=64)
    prompt_cache_key: str | None = None
    prompt_cache_retention: str | None = None
    prompt_cache_options: dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    # members accepted at their neutral value only
    store: bool | None = None
    service_tier: str | None = None
    modalities: list[str] | None = None
    verbosity: str | None = None
    reasoning_effort: str | None = None
    moderation: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    prediction: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    functions: list[dict[str, Any]] | None = None
    function_call: str | dict[str, Any] | None = None


#: the default of ``max_tokens`` on /v1/completions (OpenAI's document)
COMPLETION_MAX_TOKENS = 16


class CompletionRequest(_Sampling):
    #: text (one prompt); token ids and several prompts are refused by name
    prompt: str | list[str] | list[int] | list[list[int]] | None = Field(
        description="the text to continue (one prompt)"
    )
    max_tokens: int | None = Field(default=COMPLETION_MAX_TOKENS, ge=1, description="null: 16")
    echo: bool | None = Field(default=None, description="not supported: false only")
    best_of: int | None = Field(default=None, ge=0, le=20, description="only 1 is supported")
    logprobs: int | None = Field(default=None, ge=0, le=5, description="not supported: null only")
    suffix: str | None = Field(default=None, description="not supported: null or empty only")

    @property
    def prompt_text(self) -> str:
        """The prompt's text (audit: its length and keyed hash), whatever its shape."""
        if isinstance(self.prompt, str):
            return self.prompt
        return "".join(p for p in self.prompt or [] if isinstance(p, str))


class UsageInfo(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    #: OpenAI's refusal member: voxray's models never refuse through it (always null)
    refusal: None = None


class ChatChoice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: FinishReason
    logprobs: None = None


class CompletionChoice(BaseModel):
    index: int = 0
    text: str
    finish_reason: FinishReason
    logprobs: None = None


ChoiceT = TypeVar("ChoiceT", ChatChoice, CompletionChoice)


class _Completion(BaseModel, Generic[ChoiceT]):
    """OpenAI's response envelope, the same for chat and completions but for ``object`` and the choices."""

    id: str
    object: str
    created: int
    model: str
    choices: list[ChoiceT]
    usage: UsageInfo
    #: the model's serving configuration (spec and voxray version): with ``seed``, says when the same
    #: request may give different text
    system_fingerprint: str


class ChatCompletion(_Completion[ChatChoice]):
    object: Literal["chat.completion"] = "chat.completion"


class TextCompletion(_Completion[CompletionChoice]):
    object: Literal["text_completion"] = "text_completion"


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
