"""PURE: a served model's ``spec.security`` and a SpeechBatch's audit key -> Secrets, volumes, app settings.

- :mod:`.credentials`: which Secrets a VoiceModel / TextModel uses (referenced or generated), the Serve
  app's SecurityArgs, the Secret volumes of its pods, the credentials revision;
- :mod:`.generated`: the Secrets the operator generates once (API keys, audit HMAC key) and the check of
  a mounted Secret;
- :mod:`.batch`: the audit key of a SpeechBatch's driver.
"""

from voxray_operator.builders.common import ServedKind
from voxray_operator.builders.security.batch import BatchAuditKey, batch_audit_key
from voxray_operator.builders.security.credentials import (
    API_KEYS_SUFFIX,
    AUDIT_KEY_SUFFIX,
    CREDENTIALS_REVISION_ANNOTATION,
    CREDENTIALS_REVISION_ENV,
    MAX_SECRET_NAME,
    MAX_TEXT_CHARS,
    SECRET_MODE,
    CredentialPlan,
    SecretUse,
    SecuredSpec,
    api_keys_secret_name,
    audit_key_secret_name,
    credential_plan,
    credentials_revision,
    own_text_limit,
    secret_volume,
    secret_volumes,
    security_args,
)
from voxray_operator.builders.security.generated import (
    BATCH_KEY,
    BATCH_KEY_ID,
    BATCH_SCOPES,
    GENERATED_ANNOTATION,
    GENERATED_KEY_ID,
    GENERATED_SCOPES,
    PLAIN_KEY,
    api_keys_file_text,
    build_api_keys_secret,
    build_audit_key_secret,
    read_key_command,
    secret_problem,
)

__all__ = [
    "API_KEYS_SUFFIX",
    "AUDIT_KEY_SUFFIX",
    "BATCH_KEY",
    "BATCH_KEY_ID",
    "BATCH_SCOPES",
    "CREDENTIALS_REVISION_ANNOTATION",
    "CREDENTIALS_REVISION_ENV",
    "GENERATED_ANNOTATION",
    "GENERATED_KEY_ID",
    "GENERATED_SCOPES",
    "MAX_SECRET_NAME",
    "MAX_TEXT_CHARS",
    "PLAIN_KEY",
    "SECRET_MODE",
    "BatchAuditKey",
    "CredentialPlan",
    "SecretUse",
    "SecuredSpec",
    "ServedKind",
    "api_keys_file_text",
    "api_keys_secret_name",
    "audit_key_secret_name",
    "batch_audit_key",
    "build_api_keys_secret",
    "build_audit_key_secret",
    "credential_plan",
    "credentials_revision",
    "own_text_limit",
    "read_key_command",
    "secret_problem",
    "secret_volume",
    "secret_volumes",
    "security_args",
]
