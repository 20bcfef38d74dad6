"""Cards on LINE: Flex bubbles and carousels within LINE's limits, sent by the real
line-bot-sdk to the stand-in (which refuses what LINE would refuse)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.channels.line import LineSender, build_api, line_messages
from bot.channels.line_flex import MAX_ALT_TEXT, alt_text, bubble, flex_messages
from bot.core.messages import Button, Reply
from bot.core.ports import Recipient
from tests.standins.line import LineStandIn, user_id_for

Json = dict[str, Any]


def event_card(n: int, *, title: str | None = None) -> Reply:
    buttons = (
        Button("🔔 Remind me", f"ev:r:event-{n}"),
        Button("🗓 Add to calendar", f"ev:c:event-{n}"),
        Button("ℹ️ Details", f"ev:d:event-{n}"),
    )
    text = (
        f"{title or f'📅 Event {n}'}\n🕘 Sunday 14 March 2027, 9:00 AM–5:00 PM\n"
        f"📍 Vientiane\n🔗 https://example.org/events/{n}"
    )
    return Reply(text, buttons, columns=3, card=True)


def as_json(message: Any) -> Json:
    data: Json = message.to_dict()
    return data


def test_one_card_is_a_bubble_with_its_title_lines_and_buttons() -> None:
    data = as_json(bubble(event_card(1)))
    title, *lines = data["body"]["contents"]
    assert title == {
        "type": "text",
        "text": "📅 Event 1",
        "weight": "bold",
        "size": "md",
        "wrap": True,
    }
    assert [line["text"] for line in lines] == [
        "🕘 Sunday 14 March 2027, 9:00 AM–5:00 PM",
        "📍 Vientiane",
        "🔗 https://example.org/events/1",
    ]
    assert lines[-1]["action"] == {"type": "uri", "uri": "https://example.org/events/1"}
    actions = [button["action"] for button in data["footer"]["contents"]]
    assert actions == [
        {"type": "postback", "label": label, "data": data_, "displayText": label}
        for label, data_ in (
            ("🔔 Remind me", "ev:r:event-1"),
            ("🗓 Add to calendar", "ev:c:event-1"),
            ("ℹ️ Details", "ev:d:event-1"),
        )
    ]


def test_link_buttons_open_their_link_and_long_labels_are_clipped() -> None:
    card = Reply(
        "📅 Forum\n\nA longer summary after an empty line",
        (Button("ស" * 50, "", url="https://example.org/register"), Button("Bad", "x" * 301)),
        card=True,
    )
    data = as_json(bubble(card))
    [link] = [button["action"] for button in data["footer"]["contents"]]  # the 301 left out
    assert link["type"] == "uri" and link["uri"] == "https://example.org/register"
    assert len(link["label"]) == 40 and link["label"].endswith("…")
    assert data["body"]["contents"][1]["margin"] == "lg"  # the empty line: more space


def test_thirteen_cards_are_a_carousel_of_twelve_and_a_bubble() -> None:
    cards = [event_card(n) for n in range(13)]
    first, second = (as_json(message) for message in flex_messages(cards))
    assert first["contents"]["type"] == "carousel"
    assert len(first["contents"]["contents"]) == 12
    assert first["altText"].startswith("📅 Event 0 · 📅 Event 1 · ")
    assert second["contents"]["type"] == "bubble"
    assert second["altText"] == "📅 Event 12"


def test_the_alternative_text_is_the_titles_within_400_characters() -> None:
    cards = [event_card(n, title=f"📅 {'Mekong youth forum ' * 3}{n}") for n in range(12)]
    text = alt_text(cards)
    assert len(text.encode("utf-16-le")) // 2 <= MAX_ALT_TEXT and text.endswith("…")
    assert text.startswith("📅 Mekong youth forum")


def test_cards_in_a_row_become_one_flex_message_between_the_texts() -> None:
    replies = [
        Reply("Here is what's coming up:"),
        event_card(1),
        event_card(2),
        Reply("There are more events.", (Button("➡️ More events", "ev:m:5"),)),
    ]
    messages = [as_json(message) for message in line_messages(replies)]
    assert [m["type"] for m in messages] == ["text", "flex", "text"]
    assert len(messages[1]["contents"]["contents"]) == 2
    assert messages[2]["quickReply"]["items"][0]["action"]["data"] == "ev:m:5"


@pytest.fixture
async def sender(line_api: LineStandIn) -> AsyncIterator[LineSender]:
    client, api = build_api(line_api.channel_access_token, line_api.host)
    yield LineSender(api)
    await client.close()


async def test_many_cards_go_in_requests_of_at_most_five_messages(
    sender: LineSender, line_api: LineStandIn
) -> None:
    user = user_id_for("many-cards")
    replies = [Reply("Events:"), *(event_card(n) for n in range(61))]  # 1 text + 6 flex
    await sender.send(Recipient(user), replies, retry_key=str(uuid.uuid4()))
    sizes = [len(request["json"]["messages"]) for request in line_api.received]
    assert sizes == [5, 2]
    flex = [m for m in line_api.messages_to(user) if m["type"] == "flex"]
    assert [len(m["contents"].get("contents", [m["contents"]])) for m in flex] == [
        12,
        12,
        12,
        12,
        12,
        1,
    ]
