"""The one error builders raise: an input that cannot become a valid child object."""

from __future__ import annotations


class BuildError(ValueError):
    """``field`` is the dotted path of the offending input (``spec.runOn.voiceModel``), as in SpecError.

    ``message`` says what is wrong without naming the field; ``str(error)`` is the one text everything
    shows (status message and conditions, events, logs, ``voxray render``): ``"<field>: <message>"``.

    ``retryable`` is True where the input is fine but something it refers to is not ready yet (the
    VoiceModel's Ray cluster does not exist yet): the handler should wait and retry, not fail the object.
    """

    def __init__(self, message: str, *, field: str = "", retryable: bool = False) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field
        self.retryable = retryable
