"""SSML, the documented subset, parsed safely into typed segments (:mod:`voxray_runtime.text.segments`).

Elements: ``speak`` (the root), ``p``, ``s``, ``break`` (``time`` "500ms"/"1.5s" or ``strength``),
``say-as`` (``interpret-as`` characters, cardinal, ordinal, date with ``format``, time, telephone),
``sub`` (``alias``), ``phoneme`` (``alphabet="ipa"``, ``ph``), ``prosody`` (``rate`` only: x-slow..x-fast,
"80%", "+20%", "1.2"; nested rates multiply) and ``lang`` (``xml:lang`` switches the phonemizer and the
normaliser within the same voice; ``speak``, ``p`` and ``s`` take ``xml:lang`` too). Anything else is an
error that names the element, attribute or value, with the line and column.

Safety: the document is parsed by expat through defusedxml with DTDs, entity declarations and external
references forbidden (so no billion laughs and no file or network reads), after a size check, with a
depth and an element-count limit enforced while parsing. Pure: no I/O; table-tested in tests/unit.

Adjacent breaks count once, at the longest (a ``</s>`` followed by ``<break time="1s"/>`` pauses 1 s);
a paragraph ends with :data:`PARAGRAPH_PAUSE_S`, a sentence with :data:`SENTENCE_PAUSE_S`, and the pauses
of structure at the very start and end of the document are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from voxray_runtime.text.language import SUPPORTED_LANGUAGES, Locale, resolve_locale
from voxray_runtime.text.numerals import cardinal, digit_words, ordinal_words
from voxray_runtime.text.say_as import read_date_as, read_telephone, read_time_as, region_of
from voxray_runtime.text.segments import (
    MAX_BREAK_S,
    MAX_RATE,
    MIN_RATE,
    BreakSegment,
    PhonemeSegment,
    Segment,
    TextSegment,
)

SENTENCE_PAUSE_S = 0.28
PARAGRAPH_PAUSE_S = 0.6
#: break strengths in seconds (as Azure's neural voices read them)
STRENGTHS: dict[str, float] = {
    "none": 0.0,
    "x-weak": 0.25,
    "weak": 0.5,
    "medium": 0.75,
    "strong": 1.0,
    "x-strong": 1.25,
}
RATES: dict[str, float] = {
    "x-slow": 0.5,
    "slow": 0.75,
    "medium": 1.0,
    "default": 1.0,
    "fast": 1.25,
    "x-fast": 1.5,
}
SAY_AS = ("characters", "spell-out", "cardinal", "number", "ordinal", "date", "time", "telephone")
ELEMENTS = ("speak", "p", "s", "break", "say-as", "sub", "phoneme", "prosody", "lang")
#: elements holding text only
_LEAVES = frozenset({"say-as", "sub", "phoneme", "break"})
#: attributes each element accepts (``xml:lang`` written as ``lang``)
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "speak": frozenset({"version", "lang", "base"}),
    "p": frozenset({"lang"}),
    "s": frozenset({"lang"}),
    "lang": frozenset({"lang"}),
    "break": frozenset({"time", "strength"}),
    "say-as": frozenset({"interpret-as", "format", "detail"}),
    "sub": frozenset({"alias"}),
    "phoneme": frozenset({"alphabet", "ph"}),
    "prosody": frozenset({"rate"}),
}
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")
_RATE = re.compile(r"^\s*([+-])?(\d+(?:\.\d+)?)\s*(%)?\s*$")


class SsmlError(ValueError):
    """A document outside the subset, unsafe, or not well-formed; the message names line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"SSML line {line}, column {column}: {message}")
        self.reason = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class SsmlLimits:
    #: longest document, in characters
    max_chars: int = 50_000
    #: deepest element nesting
    max_depth: int = 24
    #: most elements in one document
    max_elements: int = 2_000
    #: longest ``ph`` or ``alias``, in characters
    max_attribute_chars: int = 1_000


@dataclass
class _Frame:
    tag: str
    language: str
    dialect: str | None
    rate: float
    text: list[str] = field(default_factory=list)
    attrib: dict[str, str] = field(default_factory=dict)


class _Structural(BreakSegment):
    """A pause that comes from ``</p>`` or ``</s>``, not from a ``break`` (dropped at the document's ends)."""


class _Builder:
    """The tree builder target: segments straight from expat's events, checked as they come."""

    def __init__(self, language: str, dialect: str | None, limits: SsmlLimits) -> None:
        self.base = (language, dialect)
        self.limits = limits
        self.stack: list[_Frame] = []
        self.out: list[Segment] = []
        self.elements = 0
        self.expat: Any = None
        self.seen_root = False

    def where(self) -> tuple[int, int]:
        if self.expat is None:
            return (1, 1)
        return (int(self.expat.CurrentLineNumber), int(self.expat.CurrentColumnNumber) + 1)

    def fail(self, message: str) -> SsmlError:
        return SsmlError(message, *self.where())

    # -- expat events --------------------------------------------------------------------------------
    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = tag.rsplit("}", 1)[-1]
        self.elements += 1
        if self.elements > self.limits.max_elements:
            raise self.fail(f"more than {self.limits.max_elements} elements")
        if len(self.stack) >= self.limits.max_depth:
            raise self.fail(f"elements nested deeper than {self.limits.max_depth}")
        if not self.stack:
            if name != "speak" or self.seen_root:
                raise self.fail(f"the root element must be <speak>, not <{name}>")
            self.seen_root = True
        elif name == "speak":
            raise self.fail("<speak> inside <speak>")
        if name not in ELEMENTS:
            raise self.fail(f"unsupported element <{name}>; supported: {', '.join(ELEMENTS)}")
        parent = self.stack[-1] if self.stack else None
        if parent is not None and parent.tag in _LEAVES:
            raise self.fail(f"<{name}> inside <{parent.tag}>, which holds text only")
        attrs = self._attributes(name, attrib)
        language, dialect = (parent.language, parent.dialect) if parent else self.base
        if "lang" in attrs:
            language, dialect = self._language(attrs["lang"])
        elif name == "lang":
            raise self.fail("<lang> needs xml:lang")
        rate = parent.rate if parent else 1.0
        if name == "prosody":
            if "rate" not in attrs:
                raise self.fail("<prosody> needs rate (the only prosody attribute supported)")
            rate = self._rate(attrs["rate"], rate)
        if name in ("p", "s"):
            self.out.append(_Structural(0.0))  # text before and inside do not run together
        self.stack.append(_Frame(name, language, dialect, rate, attrib=attrs))
        if name == "break":
            self.out.append(BreakSegment(self._break(attrs)))

    def data(self, text: str) -> None:
        if not self.stack:
            return
        frame = self.stack[-1]
        if frame.tag in _LEAVES:
            if frame.tag == "break" and text.strip():
                raise self.fail("<break> holds no text")
            frame.text.append(text)
        else:
            self.out.append(TextSegment(text, frame.language, frame.dialect, frame.rate))

    def end(self, tag: str) -> None:
        frame = self.stack.pop()
        text = "".join(frame.text).strip()
        if frame.tag == "say-as":
            self.out.append(self._say_as(frame, text))
        elif frame.tag == "sub":
            alias = frame.attrib.get("alias", "").strip()
            if not alias:
                raise self.fail("<sub> needs a non-empty alias")
            self.out.append(TextSegment(alias, frame.language, frame.dialect, frame.rate))
        elif frame.tag == "phoneme":
            self.out.append(self._phoneme(frame, text))
        elif frame.tag == "s":
            self.out.append(_Structural(SENTENCE_PAUSE_S))
        elif frame.tag == "p":
            self.out.append(_Structural(PARAGRAPH_PAUSE_S))

    def close(self) -> list[Segment]:
        return self.out

    # -- attributes ----------------------------------------------------------------------------------
    def _attributes(self, name: str, attrib: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in attrib.items():
            local = key[len(_XML_NS) :] if key.startswith(_XML_NS) else key
            if local not in _ATTRIBUTES[name] or (key.startswith("{") and not key.startswith(_XML_NS)):
                shown = f"xml:{local}" if key.startswith(_XML_NS) else key
                raise self.fail(f"<{name}> has no attribute {shown!r}")
            if len(value) > self.limits.max_attribute_chars:
                raise self.fail(f"attribute {local!r} longer than {self.limits.max_attribute_chars}")
            out[local] = value
        return out

    def _language(self, tag: str) -> tuple[str, str | None]:
        try:
            locale = resolve_locale(tag)
        except ValueError:
            raise self.fail(
                f"unsupported xml:lang {tag!r}; languages: {', '.join(SUPPORTED_LANGUAGES)}"
            ) from None
        return locale.language, (f"{locale.language}-{locale.region}" if locale.region else None)

    def _rate(self, value: str, parent: float) -> float:
        word = value.strip().lower()
        if word in RATES:
            factor = RATES[word]
        else:
            m = _RATE.match(word)
            if m is None:
                raise self.fail(
                    f"prosody rate {value!r}: use {', '.join(RATES)}, a percentage (80%, +20%) or a number"
                )
            sign, number, percent = m.groups()
            amount = float(number) / (100 if percent else 1)
            factor = 1 + amount if sign == "+" else 1 - amount if sign == "-" else amount
            if sign and not percent:
                raise self.fail(f"prosody rate {value!r}: a relative rate is a percentage (+20%)")
        rate = parent * factor
        if not MIN_RATE <= rate <= MAX_RATE:
            raise self.fail(f"prosody rate {value!r} gives {rate:g}x, outside {MIN_RATE:g}..{MAX_RATE:g}")
        return rate

    def _break(self, attrs: dict[str, str]) -> float:
        if "time" in attrs:
            m = _TIME.match(attrs["time"])
            if m is None:
                raise self.fail(f"break time {attrs['time']!r}: write it as 500ms or 1.5s")
            seconds = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
            if seconds > MAX_BREAK_S:
                raise self.fail(f"break time {attrs['time']!r} longer than {MAX_BREAK_S:g} s")
            return seconds
        strength = attrs.get("strength", "medium")
        if strength not in STRENGTHS:
            raise self.fail(f"break strength {strength!r}; use one of {', '.join(STRENGTHS)}")
        return STRENGTHS[strength]

    # -- leaves --------------------------------------------------------------------------------------
    def _phoneme(self, frame: _Frame, text: str) -> PhonemeSegment:
        alphabet = frame.attrib.get("alphabet", "ipa").strip().lower()
        if alphabet != "ipa":
            raise self.fail(f"phoneme alphabet {alphabet!r}; only ipa is supported")
        ph = frame.attrib.get("ph", "").strip()
        if not ph:
            raise self.fail("<phoneme> needs ph (the IPA to speak)")
        return PhonemeSegment(ph, text, frame.language, frame.dialect, frame.rate)

    def _say_as(self, frame: _Frame, text: str) -> TextSegment:
        kind = frame.attrib.get("interpret-as", "").strip().lower()
        if kind not in SAY_AS:
            raise self.fail(f"say-as interpret-as {kind!r}; supported: {', '.join(SAY_AS)}")
        if not text:
            raise self.fail(f"<say-as interpret-as={kind!r}> is empty")
        lang = frame.language
        words: str | None
        if kind in ("characters", "spell-out"):
            words = " ".join(digit_words(c, lang) if c.isdigit() else c for c in text if not c.isspace())
        elif kind in ("cardinal", "number", "ordinal"):
            digits = re.sub(r"[\s,._'’]", "", text)
            if not digits.isdigit() or len(digits) > 15:
                raise self.fail(f"say-as {kind}: {text!r} is not a whole number")
            words = ordinal_words(int(digits), lang) if kind == "ordinal" else cardinal(int(digits), lang)
        elif kind == "telephone":
            words = read_telephone(text, lang)
        elif kind == "date":
            words = read_date_as(text, frame.attrib.get("format"), Locale(lang, region_of(frame.dialect)))
        else:
            words = read_time_as(text, Locale(lang, region_of(frame.dialect)))
        if words is None:
            raise self.fail(f"say-as {kind}: cannot read {text!r}")
        return TextSegment(words, frame.language, frame.dialect, frame.rate)


def _offset_position(document: str, offset: int) -> tuple[int, int]:
    before = document[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _finish(raw: list[Segment]) -> list[Segment]:
    """Adjacent breaks merged at the longest, text runs joined, structure's pauses dropped at the ends."""
    out: list[Segment] = []
    for seg in raw:
        if isinstance(seg, TextSegment) and not seg.text.strip():
            continue
        last = out[-1] if out else None
        if isinstance(seg, BreakSegment) and isinstance(last, BreakSegment):
            structural = isinstance(seg, _Structural) and isinstance(last, _Structural)
            longest = max(seg.seconds, last.seconds)
            out[-1] = _Structural(longest) if structural else BreakSegment(longest)
        elif (
            isinstance(seg, TextSegment)
            and isinstance(last, TextSegment)
            and (last.language, last.dialect, last.rate) == (seg.language, seg.dialect, seg.rate)
        ):
            out[-1] = TextSegment(_join(last.text, seg.text), seg.language, seg.dialect, seg.rate)
        else:
            out.append(seg)
    while out and isinstance(out[0], _Structural):
        out.pop(0)
    while out and isinstance(out[-1], _Structural):
        out.pop()
    return [_tidy(s) for s in out if _keep(s)]


def _join(left: str, right: str) -> str:
    """Text as written: a space between pieces only where neither side has one and the right side does not
    start with punctuation (``<sub>4S</sub>.`` stays "... Seasons.")."""
    if not left or not right or left[-1].isspace() or right[0].isspace() or not right[0].isalnum():
        return left + right
    return f"{left} {right}"


def _tidy(seg: Segment) -> Segment:
    if isinstance(seg, _Structural):
        return BreakSegment(seg.seconds)
    if isinstance(seg, TextSegment):
        return TextSegment(" ".join(seg.text.split()), seg.language, seg.dialect, seg.rate)
    return seg


def _keep(seg: Segment) -> bool:
    return not (isinstance(seg, _Structural) and seg.seconds == 0.0)


def parse_ssml(
    document: str, language: str, dialect: str | None = None, *, limits: SsmlLimits | None = None
) -> list[Segment]:
    """The segments an SSML document says, for a voice of ``language`` (``dialect``): the language of text
    outside any ``xml:lang``. Raises :class:`SsmlError` naming line and column."""
    lim = limits or SsmlLimits()
    if len(document) > lim.max_chars:
        raise SsmlError(
            f"document longer than {lim.max_chars} characters", *_offset_position(document, lim.max_chars)
        )
    base = resolve_locale(language, dialect)
    builder = _Builder(base.language, dialect, lim)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.expat = parser.parser
    try:
        parser.feed(document)
        parser.close()
    except SsmlError:
        raise
    except DTDForbidden:
        raise builder.fail("a DTD (<!DOCTYPE ...>) is not allowed") from None
    except EntitiesForbidden:
        raise builder.fail("entity declarations are not allowed") from None
    except ExternalReferenceForbidden:
        raise builder.fail("external references are not allowed") from None
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":", 1)[0]
        raise SsmlError(f"not well-formed XML ({reason})", line, column + 1) from None
    if not builder.seen_root:
        raise SsmlError("the document has no <speak> element", 1, 1)
    return _finish(builder.close())
