"""Lexicons: their own status, and the ones a VoiceModel or SpeechBatch names, read from the namespace.

A Lexicon has no children. Its reconcile writes ``Valid`` (True with version and entry count, or False with
the field and message); the kopf layer then reconciles the VoiceModels that name it
(:func:`referencing_voicemodels`), whose RayService carries the entries in the ingress's Serve
``user_config``: Serve reconfigures the live ingress replicas, none restarts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from voxray_operator import k8s
from voxray_operator.context import OperatorContext, reconcile_latest, write_status
from voxray_operator.status.lexicon import lexicon_status, parse_lexicon
from voxray_runtime.spec.lexicon import LexiconSpec


async def named_lexicons(ctx: OperatorContext, ns: str, names: Sequence[str]) -> dict[str, LexiconSpec]:
    """The valid Lexicons among ``names`` in namespace ``ns`` (the builders report the missing ones; an
    invalid one says why in its own status)."""
    out: dict[str, LexiconSpec] = {}
    for name in dict.fromkeys(names):
        obj = await ctx.kube.get(k8s.LEXICONS, ns, name)
        parsed = parse_lexicon(obj.get("spec")) if obj is not None else None
        if isinstance(parsed, LexiconSpec):
            out[name] = parsed
    return out


async def reconcile_lexicon(
    ctx: OperatorContext, body: Mapping[str, Any], *, trigger: str, logger: Any
) -> None:
    """Write the Lexicon's status (Valid, version, entries) for the object as it is now."""

    async def step(fresh: dict[str, Any]) -> None:
        old = fresh.get("status") or {}
        new = lexicon_status(
            fresh.get("spec"), generation=fresh["metadata"].get("generation"), previous=old, now=ctx.now()
        )
        if await write_status(ctx, k8s.LEXICONS, fresh, old, new):
            logger.info("lexicon status: %s", new.get("message"))

    await reconcile_latest(ctx, k8s.LEXICONS, body, trigger, step)


async def referencing_voicemodels(ctx: OperatorContext, ns: str, lexicon: str) -> list[dict[str, Any]]:
    """The VoiceModels of ``ns`` whose ``spec.lexicons`` names ``lexicon``."""
    out = []
    for vm in await ctx.kube.list(k8s.VOICEMODELS, ns):
        names = (vm.get("spec") or {}).get("lexicons")
        if isinstance(names, list) and lexicon in names:
            out.append(vm)
    return out
