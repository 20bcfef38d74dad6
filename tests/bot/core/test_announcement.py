import pytest

from bot.core.announcement import MessageError, load, parse
from bot.core.messages import Button, Reply


def test_a_version_per_language_with_fallback_and_link_buttons() -> None:
    message = parse(
        {
            "text": {"th": "ข่าวดี", "en": "Good news"},
            "fallback": "en",
            "image_url": "https://example.org/a.png",
            "buttons": [{"label": {"th": "สมัคร", "en": "Register"}, "url": "https://x.org/r"}],
        }
    )
    assert message.version_for("th") == "th"
    assert message.version_for("vi") == "en"
    thai = message.reply("th")
    assert thai.text == "ข่าวดี" and thai.image_url == "https://example.org/a.png"
    assert thai.buttons == (Button("สมัคร", "", url="https://x.org/r"),)
    assert message.reply("en").buttons[0].label == "Register"
    assert message.problems() == []
    assert message.line_messages() == 2


def test_without_fallback_other_languages_are_left_out() -> None:
    message = parse({"text": {"th": "ข่าวดี"}, "fallback": "none"})
    assert message.version_for("en") is None
    assert parse({"text": {"th": "ข่าวดี"}}).fallback is None


def test_the_digest_is_the_same_for_the_same_content() -> None:
    a = parse({"text": {"th": "ข่าว", "en": "News"}, "fallback": "en"})
    b = parse({"fallback": "en", "text": {"en": "News", "th": "ข่าว"}})
    assert a.digest() == b.digest()
    assert a.digest() != parse({"text": {"th": "ข่าว"}}).digest()


def test_limits_are_named() -> None:
    long_thai = parse({"text": {"th": "ก" * 4100}})
    assert any("Telegram's limit of 4,096" in p for p in long_thai.problems())
    longer = parse({"text": {"en": "a" * 5001}})
    assert any("LINE's limit of 5,000" in p for p in longer.problems())
    # Emoji count twice in LINE's UTF-16 units: 2,600 of them are 5,200 units.
    emoji = parse({"text": {"en": "🌿" * 2600}})
    assert any("LINE's limit" in p for p in emoji.problems())
    assert not any("Telegram" in p for p in emoji.problems())


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ("just text", "mapping"),
        ({}, "text: missing"),
        ({"text": {"xx": "hi"}}, "text.xx"),
        ({"text": {"en": "  "}}, "text.en: empty"),
        ({"text": {"th": "hi"}, "fallback": "en"}, "fallback"),
        ({"text": {"en": "hi"}, "image_url": "ftp://x"}, "image_url"),
        (
            {"text": {"en": "hi"}, "buttons": [{"label": {"en": "Go"}, "url": "x"}]},
            "buttons[0].url",
        ),
        ({"text": {"en": "hi"}, "colour": "green"}, "colour"),
    ],
)
def test_a_bad_file_names_the_bad_part(data: object, named: str) -> None:
    with pytest.raises(MessageError) as error:
        parse(data)
    assert named in str(error.value)


def test_link_buttons_survive_the_outbox_json() -> None:
    reply = Reply("hi", (Button("Go", "", url="https://x.org"), Button("Menu", "intent:help")))
    assert Reply.from_json(reply.to_json()) == reply
    assert Reply.from_json({"text": "x", "buttons": [["A", "intent:help"]]}).buttons == (
        Button("A", "intent:help"),
    )


def test_a_message_file_is_read_with_the_line_of_every_problem() -> None:
    good = load("text:\n  th: ข่าวดี\n  en: Good news\nfallback: en\n", "news.yml")
    assert good.languages == ("th", "en") and good.fallback == "en"
    text = (
        "text:\n"
        "  th: ข่าวดี\n"
        "  xx: hi\n"
        "colour: green\n"
        "fallback: vi\n"
        "buttons:\n"
        "  - label: {en: Go}\n"
        "    url: ftp://x\n"
        "  - just text\n"
    )
    with pytest.raises(MessageError) as error:
        load(text, "news.yml")
    assert error.value.problems == [
        "news.yml:3: text.xx: not one of zh, en, th, vi, km, lo, my",
        "news.yml:4: unknown field 'colour'",
        "news.yml:5: fallback: 'vi' is not one of the message's languages",
        "news.yml:8: buttons[0].url: an http(s) URL is needed, got 'ftp://x'",
        "news.yml:9: buttons[1]: needs label and url",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("text: [unclosed\n", "news.yml:2: not valid YAML"),
        ("", "news.yml:1: the message file must be a mapping"),
        ("- a list\n", "news.yml:1: the message file must be a mapping"),
        ("fallback: en\n", "news.yml:1: text: missing"),
    ],
)
def test_a_file_that_is_no_message_is_named_with_its_line(text: str, problem: str) -> None:
    with pytest.raises(MessageError) as error:
        load(text, "news.yml")
    assert error.value.problems[0].startswith(problem)
