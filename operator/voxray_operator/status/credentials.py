"""PURE: the CredentialsReady condition of a served model (its credential plan) and of a SpeechBatch
(its audit key). Names Secrets and the command that prints a generated key; never a key."""

from __future__ import annotations

from datetime import datetime

from voxray_operator.api.voicemodel import CredentialsStatus
from voxray_operator.builders import BatchAuditKey, CredentialPlan, read_key_command
from voxray_operator.status.conditions import ConditionType, Reason, Status, with_condition

#: spec.security.auth that turns authentication off
AUTH_DISABLED = "Disabled"
AUTH_REQUIRED = "Required"


def credentials_status(
    previous: Status | None,
    plan: CredentialPlan,
    *,
    namespace: str,
    generation: int | None,
    now: datetime,
    problem: tuple[str, str] | None = None,
) -> Status:
    """The previous status with ``credentials`` and the CredentialsReady condition for ``plan``.

    ``problem``: (reason, message) when a Secret the pods mount is missing or lacks its key; the
    condition is then False and the summary message says so.
    """
    keys = plan.api_keys
    generated = keys is not None and keys.generated
    command = read_key_command(keys.name, namespace) if keys is not None and keys.generated else None
    creds = CredentialsStatus(
        auth=AUTH_DISABLED if plan.auth == AUTH_DISABLED else AUTH_REQUIRED,
        api_keys_secret=keys.name if keys is not None else None,
        api_keys_generated=keys.generated if keys is not None else None,
        audit_key_secret=plan.audit_key.name,
        oidc_issuer=plan.oidc_issuer,
        read_key_command=command,
    )
    reason: str
    if problem is not None:
        reason, message = problem
    elif plan.auth == AUTH_DISABLED:
        reason, message = Reason.AUTH_DISABLED, "authentication is disabled (spec.security.auth: Disabled)"
    else:
        ways = []
        if keys is not None and keys.generated:
            ways.append(f"API key in the generated Secret {keys.name} (read it: {command})")
        elif keys is not None:
            ways.append(f"API keys from Secret {keys.name} (key {keys.key})")
        if plan.oidc_issuer:
            ways.append(f"JWT bearer tokens from {plan.oidc_issuer}")
        reason = Reason.GENERATED_API_KEY if generated else Reason.CREDENTIALS_CONFIGURED
        message = "callers authenticate with " + " or ".join(ways)
    out = dict(previous or {})
    out["credentials"] = creds.to_wire()
    if problem is not None:
        out["message"] = message
    return with_condition(
        out, ConditionType.CREDENTIALS_READY, problem is None, reason, message, generation=generation, now=now
    )


def batch_credentials_status(
    previous: Status | None,
    audit: BatchAuditKey,
    *,
    generation: int | None,
    now: datetime,
    problem: tuple[str, str] | None = None,
) -> Status:
    """The previous SpeechBatch status with the CredentialsReady condition for its audit key.

    ``problem``: (reason, message) when the Secret is missing or lacks its key (SecretNotFound /
    SecretKeyNotFound); the condition is then False and the status message says so. True otherwise:
    ``AuditKeyMounted`` (a dedicated cluster mounts it), ``VoiceModelAuditKey`` (the VoiceModel's cluster
    has it), ``RandomAuditKey`` (none to share).
    """
    out = dict(previous or {})
    reason: str
    if problem is not None:
        reason, message = problem
        if audit.secret is not None and audit.secret.generated:
            message += f" ({audit.source} creates it when the operator reconciles it)"
        out["message"] = message
    elif audit.secret is None:
        reason, message = Reason.RANDOM_AUDIT_KEY, audit.describe()
    else:
        reason = Reason.AUDIT_KEY_MOUNTED if audit.mount else Reason.VOICEMODEL_AUDIT_KEY
        message = audit.describe()
    return with_condition(
        out, ConditionType.CREDENTIALS_READY, problem is None, reason, message, generation=generation, now=now
    )
