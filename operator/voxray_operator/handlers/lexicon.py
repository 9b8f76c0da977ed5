"""kopf wiring of Lexicon: its status, and the VoiceModels that name it reconciled again.

Triggers: create / spec update / operator resume (status, then the referencing VoiceModels), and DELETED
(the referencing VoiceModels, which then say LexiconNotFound). A VoiceModel's reconcile reads the Lexicons
it names itself (:func:`voxray_operator.reconcile.lexicons.named_lexicons`), so a Lexicon event only has
to run it: the changed entries reach the serving app's ingress ``user_config`` (no replica restarts).
"""

from __future__ import annotations

from typing import Any

import kopf

from voxray_operator.context import OperatorContext, get_context, plain
from voxray_operator.reconcile.kinds import VOICEMODEL
from voxray_operator.reconcile.lexicons import reconcile_lexicon, referencing_voicemodels
from voxray_operator.reconcile.served import reconcile_served
from voxray_runtime.spec.common import GROUP, VERSION

PLURAL = "lexicons"


async def reconcile_referencing(ctx: OperatorContext, ns: str, lexicon: str, logger: Any) -> None:
    """Reconcile every VoiceModel of ``ns`` naming ``lexicon``; one that must wait does not stop the rest."""
    for vm in await referencing_voicemodels(ctx, ns, lexicon):
        try:
            await reconcile_served(ctx, VOICEMODEL, vm, trigger=f"lexicon-{lexicon}", logger=logger)
        except kopf.TemporaryError as exc:  # its status says why; its own retry or the next event goes on
            logger.warning("VoiceModel %s: %s", vm["metadata"]["name"], exc)


@kopf.on.resume(GROUP, VERSION, PLURAL, id="lexicon-resume")
@kopf.on.create(GROUP, VERSION, PLURAL, id="lexicon-create")
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec", id="lexicon-update")
async def changed(
    body: kopf.Body,
    reason: str,
    name: str,
    namespace: str | None,
    memo: kopf.Memo,
    logger: kopf.Logger,
    **_: Any,
) -> None:
    ctx = get_context(memo)
    await reconcile_lexicon(ctx, plain(body), trigger=str(reason), logger=logger)
    if namespace:
        await reconcile_referencing(ctx, namespace, name, logger)


@kopf.on.event(GROUP, VERSION, PLURAL, id="lexicon-gone")
async def gone(
    event: kopf.RawEvent, name: str, namespace: str | None, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    if event.get("type") == "DELETED" and namespace:
        ctx = get_context(memo)
        ctx.forget("Lexicon", namespace, name)
        await reconcile_referencing(ctx, namespace, name, logger)
