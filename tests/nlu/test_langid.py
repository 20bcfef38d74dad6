import pytest

from nlu.langid import identify, latin_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("绿色澜湄计划是什么？", "zh"),
        ("What is the Green Lancang-Mekong Initiative?", "en"),
        ("โครงการนี้คืออะไรครับ", "th"),
        ("Sáng kiến Lan Thương - Mê Công Xanh là gì?", "vi"),
        ("cho minh hoi du an nay la gi vay", "vi"),
        ("lam sao de dang ky tinh nguyen vien", "vi"),
        ("តើគម្រោងនេះជាអ្វី?", "km"),
        ("ໂຄງການນີ້ແມ່ນຫຍັງ?", "lo"),
        ("ဒီစီမံကိန်းက ဘာလဲ ခင်ဗျာ", "my"),
        # Code-mixed: native text with English words stays native.
        ("สมัคร volunteer ยังไงคะ", "th"),
        ("ខ្ញុំចង់ join event នេះ", "km"),
        ("我想参加 youth forum", "zh"),
        ("how can I join the youth forum", "en"),
    ],
)
def test_identifies_the_seven_languages(text: str, lang: str) -> None:
    guess = identify(text)
    assert guess.lang == lang
    assert 0.5 < guess.confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "😀🙏", "12345", "!!!"])
def test_nothing_to_identify(text: str) -> None:
    guess = identify(text)
    assert guess.lang is None
    assert guess.confidence == 0.0


def test_languages_outside_the_seven_are_not_guessed() -> None:
    assert identify("Привет, как дела?").lang is None


def test_vietnamese_marks_decide_at_once() -> None:
    assert latin_language("đi") == ("vi", 1.0)
