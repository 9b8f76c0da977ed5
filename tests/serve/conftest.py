"""Texts shared by the Serve tests (the Serve fixtures live in tests/conftest.py)."""

from __future__ import annotations

#: one short sentence per language, used for every avatar of that language
SAMPLE_TEXT = {
    "en": "Welcome to the Azure Palm, where every suite looks over the sea.",
    "ar": "مرحبا بكم في فندق النخلة الزرقاء، حيث تطل كل جناح على البحر.",
    "es": "Bienvenidos a La Palma Azul, donde cada suite mira al mar.",
    "hi": "अज़्योर पाम में आपका स्वागत है, जहाँ हर सुइट से समुद्र दिखता है।",
    "ur": "ازور پام میں خوش آمدید، جہاں ہر سوئٹ سے سمندر نظر آتا ہے۔",
}
