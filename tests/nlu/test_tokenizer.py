"""MultiScriptTokenizer, in the manner of Rasa's own tokenizer tests (runs in Rasa's env)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.tokenizer import MultiScriptTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> MultiScriptTokenizer:
    return MultiScriptTokenizer(MultiScriptTokenizer.get_default_config())


@pytest.mark.parametrize(
    ("text", "expected_tokens", "expected_offsets"),
    [
        ("What is LMEC?", ["What", "is", "LMEC"], [(0, 4), (5, 7), (8, 12)]),
        (
            "绿色澜湄计划是什么？",
            ["绿色", "澜湄", "计划", "是", "什么"],
            [(0, 2), (2, 4), (4, 6), (6, 7), (7, 9)],
        ),
        (
            "สวัสดีครับ อยากสมัครอาสาสมัคร",
            ["สวัสดี", "ครับ", "อยาก", "สมัคร", "อาสาสมัคร"],
            [(0, 6), (6, 10), (11, 15), (15, 20), (20, 29)],
        ),
        (
            "đa dạng sinh học ở Việt Nam",
            ["đa dạng", "sinh học", "ở", "Việt Nam"],
            [(0, 7), (8, 16), (17, 18), (19, 27)],
        ),
        (
            "តើគម្រោងនេះជាអ្វី?",
            ["តើ", "គម្រោង", "នេះ", "ជា", "អ្វី"],
            [(0, 2), (2, 8), (8, 11), (11, 13), (13, 17)],
        ),
        ("ໂຄງການນີ້ແມ່ນຫຍັງ?", ["ໂຄງການ", "ນີ້", "ແມ່ນ", "ຫຍັງ"], [(0, 6), (6, 9), (9, 13), (13, 17)]),
        (
            "ဒီစီမံကိန်းက ဘာလဲ",
            ["ဒီ", "စီ", "မံ", "ကိန်း", "က", "ဘာ", "လဲ"],
            [(0, 2), (2, 4), (4, 6), (6, 11), (11, 12), (13, 15), (15, 17)],
        ),
        (
            "สมัคร volunteer ยังไงคะ 🙏",
            ["สมัคร", "volunteer", "ยังไง", "คะ", "🙏"],
            [(0, 5), (6, 15), (16, 21), (21, 23), (24, 25)],
        ),
        ("Hello 你好 สวัสดี", ["Hello", "你好", "สวัสดี"], [(0, 5), (6, 8), (9, 15)]),
    ],
)
def test_tokens_and_offsets(
    tokenizer: MultiScriptTokenizer,
    text: str,
    expected_tokens: list[str],
    expected_offsets: list[tuple[int, int]],
) -> None:
    tokens = tokenizer.tokenize(Message(data={"text": text}), attribute="text")
    assert [t.text for t in tokens] == expected_tokens
    assert [(t.start, t.end) for t in tokens] == expected_offsets


def test_punctuation_only_is_one_token(tokenizer: MultiScriptTokenizer) -> None:
    tokens = tokenizer.tokenize(Message(data={"text": " ... "}), attribute="text")
    assert [(t.text, t.start, t.end) for t in tokens] == [("...", 1, 4)]


NAUGHTY = [
    "",
    " ",
    "\n\t",
    "😀" * 50,
    "!@#$%^&*()",
    "a" * 10_000,
    "ก" * 5_000,
    "\u200b\u200c\u200d",
    "\x00\x01\x02",
    "ℌ𝔢𝔩𝔩𝔬",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "١٢٣ مرحبا",
    "Привет мир",
    "こんにちは世界",
    "안녕하세요",
    "🇹🇭🇻🇳🇰🇭🇱🇦🇲🇲🇨🇳",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "NaN",
    "-1e308",
    "ေက်းဇူးတင္ပါတယ္",
    "មិន\u200bដឹង",
    "ไม่รู้ 不知道 không biết ບໍ່ຮູ້ មិនដឹង မသိဘူး",
    "\ud7ff\ue000\uffff",
    "a\u0301\u0302\u0303\u0304",
    "1️⃣2️⃣3️⃣",
    "http://example.com/?q=ไทย",
]


@pytest.mark.parametrize("text", NAUGHTY)
def test_naughty_strings_do_not_crash(tokenizer: MultiScriptTokenizer, text: str) -> None:
    tokens = tokenizer.tokenize(Message(data={"text": text}), attribute="text")
    for token in tokens:
        assert text[token.start : token.end] == token.text
        assert token.text.strip()
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)
