"""The lexicons a served app applies, as its ingress's Serve ``user_config``.

Pronunciation entries are applied where text becomes segments: in the ingress
(:class:`voxray_runtime.api.service.SpeechFrontend`). The entries of each VoiceModel's lexicons travel in
the ingress deployment's ``user_config`` (``{"lexicons": {model: {names, entries}}}``), never in the app's
``args``: a change of ``user_config`` alone is a lightweight update in Ray Serve (it calls ``reconfigure()``
on the live replicas; none is restarted), so the operator reconciles a changed Lexicon into a running app
by rewriting only this part of serveConfigV2.

Light on purpose (pydantic only, no ray): the operator imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from voxray_runtime.serve.args import ModelArgs
from voxray_runtime.spec.common import SpecModel
from voxray_runtime.spec.lexicon import LexiconSpec, ResolvedLexicon


class IngressUserConfig(SpecModel):
    """The ingress's ``user_config``: each served VoiceModel's lexicons, merged (models without: absent)."""

    lexicons: dict[str, ResolvedLexicon] = Field(default_factory=dict)


def ingress_user_config(models: Sequence[ModelArgs], lexicons: Mapping[str, LexiconSpec]) -> dict[str, Any]:
    """The ingress's ``user_config`` for ``models``, their ``spec.lexicons`` looked up in ``lexicons``.

    Raises :class:`~voxray_runtime.spec.lexicon.LexiconNotFoundError` naming every missing one."""
    found = {m.name: ResolvedLexicon.of(m.spec.lexicons, lexicons) for m in models if m.spec.lexicons}
    return IngressUserConfig(lexicons=found).model_dump(by_alias=True, exclude_none=True, mode="json")
