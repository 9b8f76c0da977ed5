"""Make runtime/voxray_runtime/data/espeak_ipa.json: per espeak-ng language, each IPA symbol and the
espeak-ng phoneme mnemonic that speaks it (what engines/espeak_ipa.py converts IPA with).

    python scripts/espeak_ipa_table.py runtime/voxray_runtime/data/espeak_ipa.json

Asked of the installed espeak-ng itself (Debian's 1.51), never typed by hand:
1. in context: sentences of each language (the evaluation sentences, ``SENTENCES`` below, and for English
   the words of docs/*.md) are read with ``-x --sep=_`` (mnemonics) and ``--ipa --sep=_`` (IPA), and
   the two phoneme lists zipped; a mnemonic's most frequent IPA wins, and for one IPA symbol the mnemonic
   espeak-ng uses most (``OVERRIDES`` aside);
2. alone: every mnemonic of every phoneme table in espeak-ng-data/phontab is read as ``[[mnemonic]]``;
   where espeak-ng keeps it as one phoneme of that language, its IPA fills symbols step 1 never met.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("en-us", "en", "es", "hi", "ur", "ar")
PHONTAB = Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data/phontab")
SENTENCES: dict[str, tuple[str, ...]] = {
    "es": (
        "El perro corre rápido por la calle mientras los niños juegan en el parque.",
        "Mañana viajaremos a Zaragoza y Guadalajara para ver a nuestros amigos.",
        "¿Quién quiere chocolate caliente con churros? Yo sí, gracias.",
        "La guitarra del joven sonaba muy bien durante la fiesta de cumpleaños.",
        "Hay que llevar el equipaje al aeropuerto antes de las ocho y media.",
    ),
    "hi": (
        "मेरा नाम राहुल है और मैं दिल्ली में रहता हूँ।",
        "क्या आप मुझे स्टेशन का रास्ता बता सकते हैं?",
        "बच्चे खेल के मैदान में फुटबॉल खेल रहे हैं।",
        "आज मौसम बहुत अच्छा है, चलो बाहर घूमने चलते हैं।",
    ),
    "ur": (
        "میرا نام احمد ہے اور میں لاہور میں رہتا ہوں۔",
        "کیا آپ مجھے اسٹیشن کا راستہ بتا سکتے ہیں؟",
        "بچے کھیل کے میدان میں فٹبال کھیل رہے ہیں۔",
        "آج موسم بہت اچھا ہے، چلو باہر گھومنے چلتے ہیں۔",
    ),
    "ar": (
        "مرحبا بكم في فندقنا، نتمنى لكم إقامة سعيدة.",
        "هل يمكنك أن تخبرني أين تقع محطة القطار؟",
        "الطقس جميل اليوم، دعنا نذهب إلى الحديقة.",
        "ذهب الطالب إلى المدرسة صباحا وقرأ كتابا عن الصحراء.",
    ),
}
#: where the most used mnemonic is the wrong one to write: en's ``r`` is ``ɹ`` only before a vowel (espeak-ng
#: writes it so), its ``r-`` everywhere (espeak-ng turns ``r-`` before a vowel into ``r`` itself)
OVERRIDES: dict[str, dict[str, str]] = {"en-us": {"ɹ": "r-"}, "en": {"ɹ": "r-"}}
_STRESS = str.maketrans("", "", "'ˈ,ˌ")
#: IPA that espeak-ng prints for a mnemonic alone but is no symbol: digits, its own marks, doubled output
_JUNK = re.compile(r"[0-9\-.^]|(.)\1")


def espeak(language: str, text: str, mode: str) -> list[list[str]]:
    """Words of ``text`` as phoneme lists, mnemonics (``-x``) or IPA (``--ipa``)."""
    done = subprocess.run(
        ["espeak-ng", "-q", "-v", language, mode, "--sep=_", text],
        capture_output=True,
        text=True,
        check=True,
    )
    return [[p.translate(_STRESS) for p in word.split("_")] for word in done.stdout.split()]


def corpus(language: str) -> list[str]:
    texts: list[str] = []
    data = json.loads((ROOT / "runtime/voxray_runtime/evaluation/sentences/v1.json").read_text("utf-8"))
    for sentence in data["sentences"]:
        found = sentence["texts"].get("en" if language.startswith("en") else language)
        if found:
            texts.append(found)
    texts += SENTENCES.get(language, ())
    if language.startswith("en"):
        words = re.findall(
            r"\b[a-z]{3,}\b", " ".join(p.read_text("utf-8") for p in (ROOT / "docs").glob("*.md"))
        )
        unique = sorted(set(words))
        texts += [" ".join(unique[i : i + 200]) for i in range(0, len(unique), 200)]
    return texts


def in_context(language: str) -> Counter[tuple[str, str]]:
    pairs: Counter[tuple[str, str]] = Counter()
    for text in corpus(language):
        mnemonic_words, ipa_words = espeak(language, text, "-x"), espeak(language, text, "--ipa")
        if len(mnemonic_words) != len(ipa_words):
            continue
        for mw, iw in zip(mnemonic_words, ipa_words, strict=True):
            if len(mw) == len(iw):
                pairs.update((m, i) for m, i in zip(mw, iw, strict=True) if m and i)
    return pairs


def mnemonics() -> list[str]:
    data = PHONTAB.read_bytes()
    pos, found = 4, set()
    for _ in range(data[0]):
        count = data[pos]
        pos += 36
        for _ in range(count):
            raw = struct.unpack("<I", data[pos : pos + 4])[0].to_bytes(4, "little").rstrip(b"\0")
            pos += 16
            name = raw.decode("latin-1")
            if name and name.isascii() and not re.search(r"[\s\[\]_]", name):
                found.add(name)
    return sorted(found)


def alone(language: str, mnemonic: str) -> tuple[str, str] | None:
    x = [p for w in espeak(language, f"[[{mnemonic}]]", "-x") for p in w]
    ipa = [p for w in espeak(language, f"[[{mnemonic}]]", "--ipa") for p in w]
    if x and x[0] == mnemonic and len(x) == len(ipa) and ipa[0] and not _JUNK.search(ipa[0]):
        return mnemonic, ipa[0]
    return None


def table(language: str, names: list[str]) -> dict[str, str]:
    """IPA symbol -> mnemonic for one language."""
    pairs = in_context(language)
    ipa_of: dict[str, Counter[str]] = defaultdict(Counter)
    for (m, i), n in pairs.items():
        ipa_of[m][i] += n
    uses: dict[str, Counter[str]] = defaultdict(Counter)
    for m, counts in ipa_of.items():
        ipa, n = counts.most_common(1)[0]
        if not _JUNK.search(ipa):
            uses[ipa][m] += n
    out = {ipa: max(ms, key=lambda m: (ms[m], -len(m))) for ipa, ms in uses.items()}
    with ThreadPoolExecutor(4) as pool:
        single = [r for r in pool.map(lambda m: alone(language, m), names) if r]
    out.update(OVERRIDES.get(language, {}))
    for m, ipa in sorted(single, key=lambda r: (bool(re.search(r"[#0-9]", r[0])), len(r[0]), r[0])):
        out.setdefault(ipa, m)
    return dict(sorted(out.items()))


def main() -> None:
    names = mnemonics()
    tables = {language: table(language, names) for language in LANGUAGES}
    Path(sys.argv[1]).write_text(json.dumps(tables, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
