"""PURE: the Lexicons a VoiceModel or SpeechBatch names, as the builders take them.

The reconcilers read the named Lexicons from the namespace (an invalid one counts as absent: its own
status says why); :func:`needed_lexicons` picks them in the spec's order and reports a missing one as a
retryable BuildError with reason ``LexiconNotFound``: the object waits, and a Lexicon created or fixed
later triggers its reconcile again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from voxray_operator.builders.errors import BuildError
from voxray_runtime.spec.lexicon import LexiconSpec

LEXICON_NOT_FOUND = "LexiconNotFound"


def needed_lexicons(
    names: Sequence[str], lexicons: Mapping[str, LexiconSpec] | None, *, field: str = "spec.lexicons"
) -> dict[str, LexiconSpec]:
    """The specs of ``names`` in order; BuildError(retryable, LexiconNotFound) naming every missing one."""
    given = lexicons or {}
    missing = [(i, n) for i, n in enumerate(names) if n not in given]
    if missing:
        first = missing[0][0]
        which = ", ".join(repr(n) for _, n in missing)
        raise BuildError(
            f"Lexicon {which} was not found in the namespace, or is not valid (see its Valid condition); "
            "create it, or remove it from spec.lexicons",
            field=f"{field}.{first}",
            retryable=True,
            reason=LEXICON_NOT_FOUND,
        )
    return {n: given[n] for n in names}
