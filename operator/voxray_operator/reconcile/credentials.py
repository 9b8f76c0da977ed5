"""The Secrets a served model's Ray pods mount (:func:`voxray_operator.builders.credential_plan`),
checked before its RayService is built.

A generated one (``<name>-api-keys``, ``<name>-audit-key``) that does not exist yet is created, once: an
existing Secret is never rewritten, so a key survives every reconcile and operator restart. A TextModel's
API keys Secret also holds the batch key its generating SpeechBatches mount
(:func:`voxray_operator.builders.generation_target`). A referenced Secret that is missing or lacks its
key is a problem (SecretNotFound / SecretKeyNotFound) that the caller reports and retries.
"""

from __future__ import annotations

import secrets
from typing import Any

from voxray_operator import k8s
from voxray_operator.builders import (
    BATCH_KEY_ID,
    CredentialPlan,
    SecretUse,
    ServedKind,
    build_api_keys_secret,
    build_audit_key_secret,
    read_key_command,
    secret_problem,
)
from voxray_operator.context import OperatorContext, post_event
from voxray_operator.status import EventReason, EventType

#: bytes of randomness in a generated key (URL-safe base64 text)
KEY_BYTES = 32


async def ensure_credentials(
    ctx: OperatorContext, owner: dict[str, Any], kind: ServedKind, plan: CredentialPlan, logger: Any
) -> tuple[str, str] | None:
    """Create the generated Secrets that do not exist yet; (reason, message) of the first unusable one."""
    ns = owner["metadata"]["namespace"]
    for use in plan.secrets:
        secret = await ctx.kube.get(k8s.SECRETS, ns, use.name)
        if secret is None and use.generated:
            secret = await create_generated_secret(
                ctx, owner, kind, use, api_keys=use is plan.api_keys, logger=logger
            )
        problem = secret_problem(secret, use, ns)
        if problem is not None:
            return problem
    return None


async def create_generated_secret(
    ctx: OperatorContext,
    owner: dict[str, Any],
    kind: ServedKind,
    use: SecretUse,
    *,
    api_keys: bool,
    logger: Any,
) -> dict[str, Any] | None:
    """Create a generated Secret with fresh random bytes; the existing one when someone was first."""
    meta = owner["metadata"]
    ns, name = meta["namespace"], meta["name"]
    batch_key = secrets.token_urlsafe(KEY_BYTES) if kind == "TextModel" else None
    body = (
        build_api_keys_secret(
            name, ns, secrets.token_urlsafe(KEY_BYTES), owner=owner, kind=kind, batch_key=batch_key
        )
        if api_keys
        else build_audit_key_secret(
            name, ns, secrets.token_urlsafe(KEY_BYTES).encode("ascii"), owner=owner, kind=kind
        )
    )
    try:
        created = await ctx.kube.create(k8s.SECRETS, ns, body)
    except k8s.ConflictError:
        # created meanwhile (a racing reconcile, an operator restarted mid-way): keep that one
        return await ctx.kube.get(k8s.SECRETS, ns, use.name)
    if api_keys:
        logger.info("generated API keys Secret %s", use.name)
        batch = (
            f" and key id '{BATCH_KEY_ID}' (scope speech) for generating SpeechBatches" if batch_key else ""
        )
        post_event(
            owner,
            EventType.NORMAL,
            EventReason.API_KEY_GENERATED,
            f"generated Secret {use.name} with API key id 'default' (scopes speech, store){batch}; "
            f"read it with: {read_key_command(use.name, ns)}",
        )
    else:
        logger.info("generated audit key Secret %s", use.name)
        post_event(
            owner,
            EventType.NORMAL,
            EventReason.AUDIT_KEY_GENERATED,
            f"generated Secret {use.name} with the audit HMAC key",
        )
    return created
