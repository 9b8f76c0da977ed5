"""How voxray asks a TextModel for text: the ``TextClient`` protocol and its OpenAI-compatible HTTP
client (a TextModel's Serve ingress on a cluster, ``voxray serve`` locally, any server that speaks
``POST {base}/completions`` (a base model: few-shot documents) or ``POST {base}/chat/completions`` (an
instruction-tuned one); see :mod:`voxray_runtime.generation.prompts` for the two prompt styles).

Configuration on a cluster comes from the environment the operator sets on a SpeechBatch's RayJob:
``VOXRAY_TEXT_MODEL_URL`` (base URL ending in ``/v1``), ``VOXRAY_TEXT_MODEL_ID`` (the model id to send)
and ``VOXRAY_TEXT_API_KEY_FILE`` (a mounted file holding the API key; absent when auth is off).

Failures are :class:`TextModelError` subclasses with a message that says what to do. 429 and 503 (a
full queue), the 500 of a lost Serve replica and transport errors are retried with exponential backoff,
honouring ``Retry-After`` (past the attempts, within ``retry_window_s`` when set); other answers are not
retried.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from voxray_runtime.generation.prompts import Message, Prompt, PromptStyle

URL_ENV = "VOXRAY_TEXT_MODEL_URL"
MODEL_ENV = "VOXRAY_TEXT_MODEL_ID"
KEY_FILE_ENV = "VOXRAY_TEXT_API_KEY_FILE"
#: statuses that mean "busy, come back": retried, honouring Retry-After
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: a 500 is retried like a 503 when it is what Ray Serve's HTTP proxy answers for a replica it used that
#: was lost (its process or node died): the bare "Internal Server Error" text, or the error's own text;
#: a 500 with a problem detail (the model's own failure) is not
LOST_REPLICA_BODIES = frozenset({"", "Internal Server Error"})
LOST_REPLICA_MARKS = (
    "ActorDiedError",
    "ActorUnavailableError",
    "The actor died",
    "The actor experienced an error before finishing",
    "The task may or may not have been executed",
)
#: longest single wait, whatever Retry-After asks
MAX_RETRY_WAIT_S = 30.0


class TextModelError(RuntimeError):
    """A TextModel could not give an answer; the message says why and what to do."""


class TextModelUnreachableError(TextModelError):
    """No connection (wrong URL, server not started)."""


class TextModelNotFoundError(TextModelError):
    """The server does not serve the model asked for."""


class TextModelAuthError(TextModelError):
    """401/403: missing, wrong or insufficient API key."""


class TextModelBusyError(TextModelError):
    """429/503 answers until the retries ran out."""


class TextModelRequestError(TextModelError):
    """The server refused the request (4xx): the message carries its problem detail."""


@dataclass(frozen=True)
class Completion:
    text: str
    #: ``stop`` (the model finished) or ``length`` (max_tokens reached)
    finish_reason: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


class TextClient(Protocol):
    """Anything that answers a prompt (chat messages or a document to continue) with one completion."""

    #: the prompt style the model answers well: ``completion`` (base model) or ``chat``
    @property
    def style(self) -> PromptStyle: ...

    #: the model id answers come from (recorded with every post)
    @property
    def model(self) -> str: ...

    #: where the model runs, for messages (a URL, ``in-process``)
    @property
    def where(self) -> str: ...

    def chat(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float, seed: int
    ) -> Completion: ...

    def complete(
        self, document: str, *, stop: Sequence[str], max_tokens: int, temperature: float, seed: int
    ) -> Completion: ...

    def close(self) -> None: ...


def ask(client: TextClient, prompt: Prompt, *, max_tokens: int, temperature: float, seed: int) -> Completion:
    """``prompt`` sent the way its style says (chat messages, or a document with its stop sequences)."""
    if prompt.style == "chat":
        return client.chat(prompt.messages, max_tokens=max_tokens, temperature=temperature, seed=seed)
    return client.complete(
        prompt.document, stop=prompt.stop, max_tokens=max_tokens, temperature=temperature, seed=seed
    )


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), or None. Pure."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_seconds(attempt: int, base_s: float, retry_after: float | None) -> float:
    """Wait before attempt ``attempt + 1``: Retry-After when given, else base x 2^(attempt-1); capped."""
    wait = retry_after if retry_after is not None else base_s * 2 ** (attempt - 1)
    return min(wait, MAX_RETRY_WAIT_S)


def retryable(status: int, detail: str) -> bool:
    """Whether an error answer means "come back": busy, or a 500 of a lost Serve replica. Pure."""
    if status in RETRY_STATUSES:
        return True
    lost = detail.strip() in LOST_REPLICA_BODIES or any(m in detail for m in LOST_REPLICA_MARKS)
    return status == 500 and lost


def problem_detail(body: Any) -> str:
    """The human part of an error body: problem+json ``detail``/``title``, OpenAI ``error.message``."""
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping) and err.get("message"):
            return str(err["message"])
        for key in ("detail", "title", "message"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return ""


def parse_completion(body: Any, model: str) -> Completion:
    """The first choice of an OpenAI chat completion (``message.content``) or completion (``text``) body;
    TextModelError when it has none."""
    try:
        choice = body["choices"][0]
        text = choice["text"] if "text" in choice else choice["message"]["content"]
        text = text or ""
    except (KeyError, IndexError, TypeError) as exc:
        raise TextModelError(
            f"the answer is not an OpenAI completion (no choices[0].message or choices[0].text): {exc}"
        ) from None
    usage = body.get("usage") if isinstance(body.get("usage"), Mapping) else {}
    return Completion(
        text=str(text),
        finish_reason=str(choice.get("finish_reason") or "stop"),
        model=str(body.get("model") or model),
        prompt_tokens=usage.get("prompt_tokens"),
        completion_tokens=usage.get("completion_tokens"),
    )


def read_api_key(path: str | None) -> str | None:
    if not path:
        return None
    try:
        key = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise TextModelAuthError(f"cannot read the API key file {path} ({KEY_FILE_ENV}): {exc}") from None
    if not key:
        raise TextModelAuthError(f"the API key file {path} ({KEY_FILE_ENV}) is empty")
    return key


class HttpTextClient:
    """OpenAI-compatible completions over HTTP (httpx), with retries on 429/503 and transport errors.

    ``style``: ``completion`` (the default: few-shot documents to ``/completions``, which a base model such
    as the packaged Gemma 3 270M continues well and an instruction-tuned one too) or ``chat``."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        style: PromptStyle = "completion",
        retry_window_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import httpx

        if not base_url.startswith(("http://", "https://")):
            raise TextModelUnreachableError(
                f"the text model URL must start with http:// or https:// (got {base_url!r})"
            )
        self.base_url = base_url.rstrip("/")
        self._model = model
        self._style: PromptStyle = style
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        #: busy answers and lost connections are retried past ``max_attempts`` until this many seconds
        #: went by since the request's first try (waits and tries alike; a replica or node lost: Serve
        #: places a new one)
        self.retry_window_s = retry_window_s
        self._clock = clock
        #: every retried request: path, attempt, reason, wait (the generation summary's ``retried``)
        self.retried: list[dict[str, Any]] = []
        #: told of each retry (the batch's progress output)
        self.on_retry: Callable[[str], None] | None = None
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=10.0), headers=headers)

    @classmethod
    def from_env(cls, env: Mapping[str, str], model: str | None = None, **kw: Any) -> HttpTextClient | None:
        """The client the environment names (``VOXRAY_TEXT_MODEL_URL``...), or None when it names none."""
        url = (env.get(URL_ENV) or "").strip()
        if not url:
            return None
        model_id = (env.get(MODEL_ENV) or "").strip() or model
        if not model_id:
            raise TextModelNotFoundError(
                f"{URL_ENV} is set but {MODEL_ENV} is not: which model should answer?"
            )
        return cls(url, model_id, api_key=read_api_key(env.get(KEY_FILE_ENV)), **kw)

    @property
    def model(self) -> str:
        return self._model

    @property
    def style(self) -> PromptStyle:
        return self._style

    @property
    def where(self) -> str:
        return self.base_url

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, json_body: Any = None) -> Any:
        import httpx

        url = f"{self.base_url}{path}"
        last = ""
        waited = 0.0
        attempt = 0
        start = self._clock()
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                r = self._http.request(method, url, json=json_body)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
                spent = max(waited, self._clock() - start)
                if attempt >= self.max_attempts and spent >= self.retry_window_s:
                    raise TextModelUnreachableError(
                        f"cannot reach the text model at {self.base_url} ({last}, {attempt} attempts "
                        f"over {spent:.0f} s); check the URL and that the server runs"
                    ) from None
            else:
                if r.status_code < 400:
                    try:
                        return r.json()
                    except ValueError:
                        raise TextModelError(
                            f"{url} answered {r.status_code} with a body that is not JSON"
                        ) from None
                try:
                    detail = problem_detail(r.json())
                except ValueError:
                    detail = r.text[:300]
                last = f"HTTP {r.status_code}" + (f": {detail}" if detail else "")
                if not retryable(r.status_code, detail):
                    self._raise_for(r.status_code, last)
                spent = max(waited, self._clock() - start)
                if attempt >= self.max_attempts and spent >= self.retry_window_s:
                    raise TextModelBusyError(
                        f"the text model at {self.base_url} stayed busy over {attempt} attempts ({last}) "
                        f"over {spent:.0f} s"
                    )
                retry_after = retry_after_seconds(r.headers.get("retry-after"))
            wait = backoff_seconds(attempt, self.backoff_s, retry_after)
            if attempt >= self.max_attempts:
                # past the attempts, only the window is left: never wait beyond it
                wait = max(0.0, min(wait, self.retry_window_s - spent))
            waited += wait
            self.retried.append({"path": path, "attempt": attempt, "reason": last, "wait_s": round(wait, 3)})
            if self.on_retry is not None:
                self.on_retry(f"text model: {last}; retrying in {wait:.1f} s (attempt {attempt + 1})")
            self._sleep(wait)

    def _raise_for(self, status: int, what: str) -> None:
        if status in (401, 403):
            raise TextModelAuthError(
                f"the text model at {self.base_url} refused the credentials ({what}); "
                f"set {KEY_FILE_ENV} to a file holding a valid API key"
            )
        if status == 404:
            raise TextModelNotFoundError(
                f"the text model at {self.base_url} does not serve {self._model!r} ({what})"
            )
        if 400 <= status < 500:
            raise TextModelRequestError(f"the text model at {self.base_url} refused the request ({what})")
        raise TextModelError(f"the text model at {self.base_url} failed ({what})")

    def models(self) -> list[str]:
        """The model ids the server lists at ``GET {base}/models``."""
        body = self._request("GET", "/models")
        data = body.get("data") if isinstance(body, Mapping) else None
        return [str(m["id"]) for m in data or [] if isinstance(m, Mapping) and "id" in m]

    def check_model(self) -> None:
        """TextModelNotFoundError unless the server lists the model (servers that list none are trusted)."""
        listed = self.models()
        if listed and self._model not in listed:
            raise TextModelNotFoundError(
                f"the text model at {self.base_url} does not serve {self._model!r}; "
                f"it serves: {', '.join(listed)}"
            )

    def chat(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float, seed: int
    ) -> Completion:
        body = {
            "model": self._model,
            "messages": [m.wire() for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
            "stream": False,
        }
        return parse_completion(self._request("POST", "/chat/completions", body), self._model)

    def complete(
        self, document: str, *, stop: Sequence[str], max_tokens: int, temperature: float, seed: int
    ) -> Completion:
        body = {
            "model": self._model,
            "prompt": document,
            "stop": list(stop),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
            "stream": False,
        }
        return parse_completion(self._request("POST", "/completions", body), self._model)
