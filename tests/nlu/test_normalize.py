from pathlib import Path

import pytest

from nlu.normalize import normalize, zawgyi_probability

ZAWGYI = Path(__file__).resolve().parents[3] / "shared" / "eval" / "zawgyi"


def test_zawgyi_is_converted_to_unicode() -> None:
    # "မင်္ဂလာပါ" (hello) typed in Zawgyi.
    result = normalize("မဂၤလာပါ")
    assert result.zawgyi
    assert result.text == "မင်္ဂလာပါ"


def test_unicode_burmese_is_left_alone() -> None:
    text = "ဒီစီမံကိန်းက ဘာလဲ ခင်ဗျာ"
    result = normalize(text)
    assert not result.zawgyi
    assert result.text == text


def test_zawgyi_sentences_are_detected_and_converted() -> None:
    lines = (ZAWGYI / "ntrex-newstest2019-mya-zawgyi-400.txt").read_text().splitlines()[:50]
    for line in lines:
        assert zawgyi_probability(line) > 0.95
        converted = normalize(line).text
        assert zawgyi_probability(converted) < 0.5


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  hello \u200b world  ", "hello world"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # NFC
        ("a\x00b\x07c", "a b c"),
        ("\ufeffสวัสดี\u200dครับ", "สวัสดีครับ"),
        ("line one\r\nline two", "line one\nline two"),
        ("👩\u200d🌾", "👩\u200d🌾"),  # joiner inside an emoji sequence is kept
    ],
)
def test_invisible_and_control_characters(raw: str, clean: str) -> None:
    assert normalize(raw).text == clean


def test_empty() -> None:
    assert normalize("").text == ""


@pytest.mark.parametrize("text", ["ဘာသာစကား", "ok ဒါပဲ", "LMEC ဆိုတာ ဘာလဲ", "တာ့တာ"])
def test_short_unicode_burmese_is_not_mistaken_for_zawgyi(text: str) -> None:
    result = normalize(text)
    assert not result.zawgyi
    assert result.text == text
