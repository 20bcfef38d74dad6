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
        # Names and loanwords weigh for neither language.
        ("gioi thieu ve green lancang mekong", "vi"),
        ("web chinh thuc cua lmec", "vi"),
        ("tell me about green lancang-mekong", "en"),
        ("lmec website pls", "en"),
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


def test_latin_letters_inside_a_word_of_another_script_count_for_nothing() -> None:
    # "training的reminder取消" is one word to the regular expression, and not a Latin one.
    assert latin_language("training的reminder取消。") == ("en", 0.5)
