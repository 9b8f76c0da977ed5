"""Choosing an engine's default numeric format from the evaluation's side-by-side figures. Pure logic.

The rule, written down once: a quantized variant becomes the default only where it is clearly faster
and costs nothing measurable. "Clearly faster" is at least :data:`MIN_SPEEDUP` (timings on a shared
2-core machine vary by about 10% run to run, so a smaller gain is not evidence); "nothing measurable"
is a word error change within the full-precision variant's own run-to-run spread (at least one word)
and a voice closer to full precision (same sentence) than a change of sentence is. Where the quality
cost cannot be measured (random weights) or only one variant exists, the choice says so.
"""

from __future__ import annotations

from dataclasses import dataclass

#: smallest speed-up (full-precision seconds / quantized seconds) that counts as faster
MIN_SPEEDUP = 1.15


@dataclass(frozen=True)
class Evidence:
    engine: str
    #: the variants the engine has here ("none" is full precision)
    variants: tuple[str, ...]
    quantized: str = "int8"
    #: full-precision synthesis seconds / quantized synthesis seconds, same texts
    speedup: float | None = None
    #: quantized minus full-precision word errors, same texts (sampling noise off where the engine samples)
    word_change: int | None = None
    #: run-to-run spread of full precision in word errors (two passes of the same texts)
    word_spread: int | None = None
    #: d-vector cosine, same sentence, quantized vs full precision
    cosine_quantized: float | None = None
    #: d-vector cosine between *different* sentences of full precision: what a change of sentence moves
    cosine_other_sentence: float | None = None
    #: False where the weights are random: words and voice mean nothing
    real_weights: bool = True


@dataclass(frozen=True)
class Choice:
    engine: str
    default: str
    reason: str


def choose_default(e: Evidence) -> Choice:
    if e.quantized not in e.variants or "none" not in e.variants:
        only = e.variants[0] if e.variants else "none"
        return Choice(e.engine, only, f"only {only} exists for this engine here: nothing to compare")
    if not e.real_weights:
        return Choice(
            e.engine,
            "none",
            "full precision: only random weights run here, so the quality cost of "
            f"{e.quantized} cannot be measured; {e.quantized} stays an opt-in",
        )
    speedup, change, spread = e.speedup, e.word_change, e.word_spread
    cos_q, cos_other = e.cosine_quantized, e.cosine_other_sentence
    if speedup is None or change is None or spread is None or cos_q is None or cos_other is None:
        missing = [
            name
            for name, v in (
                ("speed-up", speedup),
                ("word change", change),
                ("word spread", spread),
                ("voice cosine", cos_q),
                ("sentence cosine", cos_other),
            )
            if v is None
        ]
        return Choice(e.engine, "none", f"full precision: not measured ({', '.join(missing)})")
    faster = speedup >= MIN_SPEEDUP
    same_words = abs(change) <= max(spread, 1)
    same_voice = cos_q >= cos_other
    facts = (
        f"{e.quantized} runs x{speedup:.2f} the speed of full precision "
        f"({'faster' if faster else 'not clearly faster'}: the bar is x{MIN_SPEEDUP}), "
        f"changes the word errors by {change:+d} (run-to-run spread {spread}), and keeps "
        f"the voice at cosine {cos_q:.3f} to full precision (a change of sentence: {cos_other:.3f})"
    )
    if faster and same_words and same_voice:
        return Choice(e.engine, e.quantized, f"{e.quantized}: {facts}")
    costs = [
        w
        for w, bad in (
            ("it is not clearly faster", not faster),
            ("its words differ beyond the spread", not same_words),
            ("its voice moves more than a change of sentence", not same_voice),
        )
        if bad
    ]
    return Choice(e.engine, "none", f"full precision, as {' and '.join(costs)}: {facts}")
