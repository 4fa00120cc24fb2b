from __future__ import annotations

import pytest

from marketctl.reference.locales import fallback_chain


@pytest.mark.parametrize(
    ("tag", "chain"),
    [
        ("fr-CA", ("fr-CA", "fr")),
        ("sv-SE", ("sv-SE", "sv")),
        ("ja-JP", ("ja-JP", "ja")),
        ("en-IN", ("en-IN", "en-001", "en")),  # CLDR parentLocales, not truncation
        ("pt-AO", ("pt-AO", "pt-PT", "pt")),
        ("es-MX", ("es-MX", "es-419", "es")),
        ("zh-Hant-HK", ("zh-Hant-HK", "zh-Hant")),  # Traditional never falls back to Simplified
        ("sr-Latn-RS", ("sr-Latn-RS", "sr-Latn")),
        ("zh-Hans-CN", ("zh-Hans-CN", "zh-Hans", "zh")),
        ("en", ("en",)),
    ],
)
def test_fallback_chain_follows_cldr_parent_locales(tag: str, chain: tuple[str, ...]) -> None:
    assert fallback_chain(tag) == chain
