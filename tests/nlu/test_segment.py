"""Script runs and Burmese syllables (runs in Rasa's env with the segmenters)."""

from __future__ import annotations

import pytest

from nlu.segment import Segmenter, burmese_syllables


@pytest.mark.parametrize(
    ("text", "syllables"),
    [
        ("မင်္ဂလာပါ", ["မင်္ဂ", "လာ", "ပါ"]),
        ("ကျေးဇူးတင်ပါတယ်", ["ကျေး", "ဇူး", "တင်", "ပါ", "တယ်"]),
        ("ဘာလဲ ၂၀၂၄", ["ဘာ", "လဲ", "၂", "၀", "၂", "၄"]),
    ],
)
def test_burmese_syllables(text: str, syllables: list[str]) -> None:
    spans = burmese_syllables(text)
    assert [s[0] for s in spans] == syllables
    assert all(text[start:end] == word for word, start, end in spans)


def test_vietnamese_without_diacritics_goes_to_the_vietnamese_segmenter() -> None:
    spans = Segmenter().segment("toi muon tham gia tinh nguyen")
    assert "".join(w for w, _, _ in spans).replace(" ", "") == "toimuonthamgiatinhnguyen"


def test_mixed_scripts_keep_exact_offsets() -> None:
    text = "ขอ link ของ 绿色澜湄 ໂຄງການ ហើយ ဘာလဲ please"
    spans = Segmenter().segment(text)
    assert all(text[start:end] == word for word, start, end in spans)
    assert {"link", "please", "ขอ", "绿色"} <= {w for w, _, _ in spans}
