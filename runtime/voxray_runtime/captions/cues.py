"""Caption cues from timed words, by the common timed-text style rules (pure).

The rules (Netflix / BBC / DCMP style guides agree on these figures):

- at most :attr:`CaptionStyle.max_line_chars` (42) characters a line and 2 lines a cue;
- a cue lasts between about 0.8 s and 7 s and is read at most at about 20 characters a second;
- a sentence ends its cue (a new sentence starts a new cue);
- cues and lines break at phrase boundaries: after a clause mark (, ; : and the Arabic ، ؛), before a
  conjunction or preposition (English, Spanish, Arabic) or after a postposition (Hindi, Urdu), and
  otherwise anywhere but never inside a word;
- two-line cues are balanced, with the longer line at the bottom where it makes no difference.

:func:`build_cues` chooses the cue breaks by dynamic programming over the words (cost: how bad each
break is, plus a cost per cue so cues come out full), then the line break inside each cue, then each
cue's time: from its first word's start to its last word's end, held on screen longer where it is under
the minimum duration or too fast to read, as far as the next cue allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voxray_runtime.captions.words import TimedWord, word_key

SENTENCE_END = frozenset(".!?…؟۔।॥")
CLAUSE_MARKS = frozenset(",;:،؛—–")
_CLOSERS = "\"'”’»)]"
#: words a line or cue is best broken before (conjunctions, prepositions, relative pronouns)
BREAK_BEFORE: dict[str, frozenset[str]] = {
    "en": frozenset(
        {
            "and",
            "but",
            "or",
            "nor",
            "so",
            "because",
            "that",
            "which",
            "who",
            "whom",
            "whose",
            "when",
            "where",
            "while",
            "if",
            "unless",
            "until",
            "to",
            "of",
            "in",
            "on",
            "at",
            "for",
            "with",
            "from",
            "by",
            "as",
            "than",
            "into",
            "onto",
            "about",
            "after",
            "before",
            "during",
        }
    ),
    "es": frozenset(
        {
            "y",
            "e",
            "o",
            "u",
            "ni",
            "pero",
            "porque",
            "que",
            "cuando",
            "donde",
            "mientras",
            "si",
            "de",
            "del",
            "en",
            "con",
            "para",
            "por",
            "a",
            "al",
            "como",
            "sin",
            "sobre",
            "entre",
            "hasta",
            "desde",
        }
    ),
    "ar": frozenset(
        {
            "و",
            "في",
            "من",
            "إلى",
            "على",
            "عن",
            "مع",
            "ثم",
            "أو",
            "لكن",
            "التي",
            "الذي",
            "الذين",
            "حيث",
            "عندما",
            "لأن",
            "أن",
            "إن",
        }
    ),
    "hi": frozenset({"और", "लेकिन", "कि", "जो", "जब", "क्योंकि", "या", "तो", "अगर", "पर", "मगर"}),
    "ur": frozenset({"اور", "لیکن", "کہ", "جو", "جب", "کیونکہ", "یا", "تو", "اگر", "مگر"}),
}
#: words a line or cue is best broken after (Hindi and Urdu postpositions follow their noun)
BREAK_AFTER: dict[str, frozenset[str]] = {
    "hi": frozenset({"में", "से", "को", "का", "की", "के", "पर", "ने", "तक", "लिए"}),
    "ur": frozenset({"میں", "سے", "کو", "کا", "کی", "کے", "پر", "نے", "تک", "لیے"}),
}


@dataclass(frozen=True)
class CaptionStyle:
    max_line_chars: int = 42
    max_lines: int = 2
    min_duration_s: float = 0.8
    max_duration_s: float = 7.0
    max_chars_per_s: float = 20.0
    #: the least gap left between one cue's end and the next cue's start (two frames at 25 fps)
    min_gap_s: float = 0.08

    @property
    def max_cue_chars(self) -> int:
        return self.max_line_chars * self.max_lines


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def _last_char(word: str) -> str:
    stripped = word.rstrip(_CLOSERS)
    return stripped[-1] if stripped else ""


def ends_sentence(word: str) -> bool:
    return _last_char(word) in SENTENCE_END


def break_cost(words: Sequence[str], index: int, language: str) -> float:
    """How bad a break after ``words[index]`` is: 0 at a sentence end, 1 after a clause mark, 2 before a
    conjunction/preposition or after a postposition, 5 anywhere else."""
    if index >= len(words) - 1 or ends_sentence(words[index]):
        return 0.0
    if _last_char(words[index]) in CLAUSE_MARKS:
        return 1.0
    base = language.split("-")[0]
    if word_key(words[index + 1]) in BREAK_BEFORE.get(base, frozenset()):
        return 2.0
    if word_key(words[index]) in BREAK_AFTER.get(base, frozenset()):
        return 2.0
    return 5.0


def split_lines(words: Sequence[str], language: str, style: CaptionStyle) -> tuple[str, ...]:
    """One cue's words on at most ``style.max_lines`` lines (two, balanced, broken at a phrase)."""
    text = " ".join(words)
    if len(text) <= style.max_line_chars or len(words) < 2 or style.max_lines < 2:
        return (text,)
    best: tuple[float, int] | None = None
    for k in range(1, len(words)):
        top, bottom = " ".join(words[:k]), " ".join(words[k:])
        if len(top) > style.max_line_chars or len(bottom) > style.max_line_chars:
            continue
        # phrase first, then balance; a bottom-heavy pair (shorter top line) is preferred on a tie
        cost = break_cost(words, k - 1, language) + abs(len(top) - len(bottom)) / 8
        cost += 0.25 if len(top) > len(bottom) else 0.0
        if best is None or cost < best[0]:
            best = (cost, k)
    if best is None:  # a word longer than a line: cut where the lines come out least over
        k = min(range(1, len(words)), key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
        best = (0.0, k)
    return (" ".join(words[: best[1]]), " ".join(words[best[1] :]))


def _fits(words: Sequence[str], language: str, style: CaptionStyle) -> bool:
    lines = split_lines(words, language, style)
    return len(lines) <= style.max_lines and all(len(line) <= style.max_line_chars for line in lines)


def _cue_cost(
    timed: Sequence[TimedWord], i: int, j: int, texts: Sequence[str], language: str, style: CaptionStyle
) -> float | None:
    """The cost of one cue of words i..j-1, or None where it breaks a hard rule."""
    single = j - i == 1
    if not single:
        if any(ends_sentence(texts[k]) for k in range(i, j - 1)):
            return None  # a sentence ends its cue
        if timed[j - 1].end - timed[i].start > style.max_duration_s:
            return None
        if not _fits(texts[i:j], language, style):
            return None
    chars = len(" ".join(texts[i:j]))
    duration = max(timed[j - 1].end - timed[i].start, 1e-3)
    cost = 3.0 + break_cost(texts, j - 1, language)  # 3 per cue: fuller cues, fewer flashes
    if duration < style.min_duration_s:
        cost += 2.0 * (style.min_duration_s - duration) / style.min_duration_s
    if chars / duration > style.max_chars_per_s:
        cost += 0.5 * (chars / duration - style.max_chars_per_s)
    return cost


def _cue_breaks(timed: Sequence[TimedWord], language: str, style: CaptionStyle) -> list[tuple[int, int]]:
    texts = [w.text for w in timed]
    n = len(texts)
    best: list[float] = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        chars = -1
        for i in range(j - 1, -1, -1):
            chars += len(texts[i]) + 1
            if chars > style.max_cue_chars and i < j - 1:
                break
            cost = _cue_cost(timed, i, j, texts, language, style)
            if cost is None:
                if i < j - 1 and ends_sentence(texts[i]):
                    break  # cues further back would cross a sentence end too
                continue
            if best[i] + cost < best[j]:
                best[j], back[j] = best[i] + cost, i
    spans: list[tuple[int, int]] = []
    j = n
    while j > 0:
        spans.append((back[j], j))
        j = back[j]
    return spans[::-1]


def _timed(
    spans: list[tuple[int, int]], timed: Sequence[TimedWord], style: CaptionStyle
) -> list[tuple[float, float]]:
    """Each cue's (start, end): the words' span, held up to the minimum duration and reading speed."""
    times: list[tuple[float, float]] = []
    for index, (i, j) in enumerate(spans):
        start, end = timed[i].start, max(timed[j - 1].end, timed[i].start)
        chars = len(" ".join(w.text for w in timed[i:j]))
        wanted = start + max(style.min_duration_s, chars / style.max_chars_per_s)
        limit = start + style.max_duration_s
        if index + 1 < len(spans):
            limit = min(limit, timed[spans[index + 1][0]].start - style.min_gap_s)
        end = max(end, min(wanted, limit))
        if times and start < times[-1][1]:  # engine timing overlapping the previous cue: no overlap shown
            start = times[-1][1]
        times.append((start, max(end, start + 0.001)))
    return times


def build_cues(words: Sequence[TimedWord], language: str, style: CaptionStyle | None = None) -> list[Cue]:
    """Caption cues for ``words`` (written words, timed, in order) in ``language``."""
    style = style or CaptionStyle()
    timed = [w for w in words if w.text.strip()]
    if not timed:
        return []
    spans = _cue_breaks(timed, language, style)
    times = _timed(spans, timed, style)
    return [
        Cue(start, end, split_lines([w.text for w in timed[i:j]], language, style))
        for (i, j), (start, end) in zip(spans, times, strict=True)
    ]
