"""Which TextModel writes a batch's posts, and the client that reaches it.

- A URL (``--text-url``, else ``VOXRAY_TEXT_MODEL_URL``, which the operator sets on a SpeechBatch's
  RayJob): the OpenAI-compatible HTTP client, model id from ``--text-model-id`` / ``VOXRAY_TEXT_MODEL_ID``,
  else ``spec.generate.textModel``, else the packaged model's id. The server is asked for its models
  first, so a wrong URL or model stops the run before anything is written; once it answered, a busy or
  lost server (a replica or its node lost mid-run) is waited for up to ``RECOVERY_WINDOW_S``.
- No URL: the TextModel runs in this process (llama.cpp): the bundled one (``defaults/textmodels.yaml``,
  the packaged Gemma 3 270M, as ``voxray serve`` serves it) when ``spec.generate.textModel`` is empty or
  names it, else a TextModel document (engine llamacpp) found in the SpeechBatch's file or the ``-m``
  files, by ``metadata.name`` or ``servedModelName``.

Every failure is a SpecError naming ``spec.generate.textModel`` (or the field at fault).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from voxray_runtime.generation.client import (
    KEY_FILE_ENV,
    MODEL_ENV,
    URL_ENV,
    HttpTextClient,
    TextClient,
    TextModelError,
    TextModelUnreachableError,
    read_api_key,
)
from voxray_runtime.models import NamedTextModel, default_text_models, load_text_models
from voxray_runtime.spec.documents import SpecError
from voxray_runtime.spec.speechbatch import GenerateSpec
from voxray_runtime.spec.textmodel import PACKAGED_TEXT_MODEL

FIELD = "spec.generate.textModel"
#: seconds of waits a server that answered once is given to answer again when it turns busy or
#: unreachable mid-run (a TextModel replica, or its node, lost: Serve places a new one and loads the
#: weights; the GCS takes its health checks to declare a node dead); a URL that never answered fails fast
RECOVERY_WINDOW_S = 180.0


@dataclass(frozen=True)
class TextSource:
    client: TextClient
    #: the TextModel's ``security.logText``: audit events may carry the prompts
    log_text: bool = False


def find_text_model(name: str | None, known: Iterable[NamedTextModel]) -> NamedTextModel:
    """The TextModel ``name`` refers to (metadata.name or servedModelName) among ``known`` and the
    bundled one (``defaults/textmodels.yaml``, served as the packaged Gemma 3 270M); empty: the bundled
    one. SpecError naming spec.generate.textModel when none matches."""
    bundled = default_text_models()
    candidates = [*known, *bundled]
    if name is None:
        return bundled[0]
    for m in candidates:
        if name in (m.name, m.spec.model_id(m.name)):
            return m
    listed = [m.spec.model_id(m.name) for m in candidates]
    raise SpecError(
        f"unknown TextModel {name!r}; known here: {', '.join(dict.fromkeys(listed))}. Put its TextModel "
        "document beside the SpeechBatch (or in a -m file), or give the URL of a server that serves it "
        f"(--text-url or {URL_ENV})",
        field=FIELD,
    )


def open_text_source(
    gen: GenerateSpec,
    *,
    env: Mapping[str, str] | None = None,
    url: str | None = None,
    model_id: str | None = None,
    files: Iterable[Path] = (),
    threads: int | None = None,
    url_flag: str = "--text-url",
) -> TextSource:
    """The client that writes ``gen``'s posts (see the module's docstring); SpecError when there is none
    (naming ``url_flag`` when the server at the URL cannot be reached)."""
    environ = os.environ if env is None else env
    base = url or (environ.get(URL_ENV) or "").strip() or None
    if base is not None:
        where = url_flag if url else URL_ENV
        wanted = model_id or (environ.get(MODEL_ENV) or "").strip() or gen.text_model or PACKAGED_TEXT_MODEL
        client: HttpTextClient | None = None
        try:
            client = HttpTextClient(
                base, wanted, api_key=read_api_key(environ.get(KEY_FILE_ENV)), max_attempts=3
            )
            client.check_model()
            client.retry_window_s = RECOVERY_WINDOW_S
        except TextModelError as exc:
            if client is not None:
                client.close()
            field = url_flag if isinstance(exc, TextModelUnreachableError) and url else FIELD
            raise SpecError(f"{exc} (the URL is from {where})", field=field) from None
        return TextSource(client)
    chosen = find_text_model(gen.text_model, load_text_models(files))
    from voxray_runtime.generation.local import LocalTextClient

    try:
        local = LocalTextClient.load(chosen.spec, chosen.name, threads=threads or os.cpu_count())
    except TextModelError as exc:
        raise SpecError(str(exc), field=FIELD) from None
    return TextSource(local, log_text=chosen.spec.security.log_text)
