"""The one error builders raise: an input that cannot become a valid child object."""

from __future__ import annotations

#: the reason of an input that cannot become a valid child (the ValidationFailed condition's)
INVALID_SPEC = "InvalidSpec"
#: the reason of an input that is fine but refers to something not ready yet
DEPENDENCY_NOT_READY = "DependencyNotReady"


class BuildError(ValueError):
    """``field`` is the dotted path of the offending input (``spec.runOn.voiceModel``), as in SpecError.

    ``message`` says what is wrong without naming the field; ``str(error)`` is the one text everything
    shows (status message and conditions, events, logs, ``voxray render``): ``"<field>: <message>"``.

    ``retryable`` is True where the input is fine but something it refers to is not ready yet (the
    VoiceModel's Ray cluster does not exist yet): the handler should wait and retry, not fail the object.

    ``reason``: a CamelCase word for a condition's reason; by default :data:`INVALID_SPEC`, or
    :data:`DEPENDENCY_NOT_READY` when ``retryable``.
    """

    def __init__(
        self, message: str, *, field: str = "", retryable: bool = False, reason: str | None = None
    ) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field
        self.retryable = retryable
        self.reason = reason or (DEPENDENCY_NOT_READY if retryable else INVALID_SPEC)
