"""normalize: links, mentions, hashtags, emoji and shouting punctuation."""

import pytest

from voxray_runtime.text import normalize


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "#LuxuryTravel", "Luxury Travel"),
        ("en", "Loving it #travel_goals", "Loving it travel goals"),
        ("en", "Our #1 pick", "Our number one pick"),
        ("ar", "#سفر_فاخر", "سفر فاخر"),
        ("hi", "#भारत_यात्रा", "भारत यात्रा"),
        ("ur", "#پاکستان_زندہ_باد", "پاکستان زندہ باد"),
        ("en", "Thanks @JohnDoe!", "Thanks John Doe!"),
        ("en", "Visit https://example.com/offers?x=1 now", "Visit example dot com slash offers now"),
        ("en", "See www.example.org.", "See example dot org."),
        ("en", "Mail me@test.com today", "Mail me at test dot com today"),
        ("en", "Book on Booking.com", "Book on Booking dot com"),
        ("es", "Reserva en Booking.com", "Reserva en Booking punto com"),
        ("en", "Great 😀👍🏽 trip 👨‍👩‍👧 🇦🇪!", "Great trip!"),
        ("en", "Love it ❤️✨", "Love it"),
        ("en", "Step 1️⃣", "Step one"),
        ("ar", "رحلة رائعة 😍🏝️", "رحلة رائعة"),
        ("hi", "धन्यवाद 🙏🏽", "धन्यवाद"),
        ("en", "Wow!!!", "Wow!"),
        ("en", "Really???", "Really?"),
        ("en", "What?!?!", "What?"),
        ("es", "¡¡Hola!!", "¡Hola!"),
    ],
)
def test_social_media_noise(language: str, text: str, expected: str) -> None:
    assert normalize(text, language) == expected
