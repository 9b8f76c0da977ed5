"""Small inputs shared by the batch tests: short real sentences in every language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: two short posts, so that 2 x 18 real files render in well under a minute on 2 cores
SHORT_POSTS: list[dict[str, Any]] = [
    {
        "index": 1,
        "id": "post_01",
        "texts": {
            "en": "Welcome to our hotel. Breakfast is served at seven.",
            "ar": "مرحبا بكم في فندقنا. يقدم الفطور في الساعة السابعة.",
            "es": "Bienvenidos a nuestro hotel. El desayuno se sirve a las siete.",
            "hi": "हमारे होटल में आपका स्वागत है। नाश्ता सात बजे परोसा जाता है।",
            "ur": "ہمارے ہوٹل میں خوش آمدید۔ ناشتہ سات بجے پیش کیا جاتا ہے۔",
        },
    },
    {
        "index": 2,
        "id": "post_02",
        "texts": {
            "en": "The spa is open until ten tonight.",
            "ar": "المنتجع الصحي مفتوح حتى العاشرة مساء.",
            "es": "El spa está abierto hasta las diez de la noche.",
            "hi": "स्पा आज रात दस बजे तक खुला है।",
            "ur": "سپا آج رات دس بجے تک کھلا ہے۔",
        },
    },
]


def batch_doc(spec: dict[str, Any], name: str = "test-batch") -> dict[str, Any]:
    return {
        "apiVersion": "voxray.io/v1alpha1",
        "kind": "SpeechBatch",
        "metadata": {"name": name},
        "spec": spec,
    }


def short_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "input": {"items": SHORT_POSTS},
        "variants": {"all": True},
        "output": {"path": "audio-output"},
        "retries": {"maxAttempts": 2, "backoffSeconds": 0.1},
        # 36 files: the speech recognition check is exercised by test_quality.py and test_resume.py
        "quality": {"check": False},
    }
    spec.update(overrides)
    return spec


def write_doc(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(batch_doc(spec), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
