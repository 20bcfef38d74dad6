"""The LINE stand-in, driven by the real line-bot-sdk v3 async client and webhook parser."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    MulticastRequest,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging import MessageAction as MessageActionButton
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
)

from .line import (
    LineStandIn,
    follow_event,
    postback_event,
    sign,
    sticker_event,
    text_event,
    unfollow_event,
    user_id_for,
    webhook_body,
)

ALICE = user_id_for("alice")
BOB = user_id_for("bob")


@pytest.fixture
async def line() -> AsyncIterator[LineStandIn]:
    """A running LINE stand-in."""
    async with LineStandIn() as standin:
        yield standin


@pytest.fixture
async def api(line: LineStandIn) -> AsyncIterator[AsyncMessagingApi]:
    """The real async Messaging API client pointed at the stand-in."""
    config = Configuration(host=line.host, access_token=line.channel_access_token)
    async with AsyncApiClient(config) as client:
        yield AsyncMessagingApi(client)


def error_of(caught: pytest.ExceptionInfo[ApiException]) -> tuple[int, str]:
    """Status and message of an ApiException."""
    return caught.value.status, json.loads(caught.value.body)["message"]


async def test_reply_with_good_used_and_expired_tokens(
    api: AsyncMessagingApi, line: LineStandIn
) -> None:
    token = line.issue_reply_token(user_id=ALICE)
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="สวัสดีค่ะ")])
    response = await api.reply_message(request)
    assert len(response.sent_messages) == 1 and response.sent_messages[0].quote_token
    assert line.messages_to(ALICE) == [{"type": "text", "text": "สวัสดีค่ะ"}]
    assert line.received[0]["path"] == "/v2/bot/message/reply"
    assert line.received[0]["json"]["replyToken"] == token
    with pytest.raises(ApiException) as used:
        await api.reply_message(request)
    assert error_of(used) == (400, "Invalid reply token")
    expired = ReplyMessageRequest(
        reply_token=line.issue_reply_token(ALICE, expired=True), messages=[TextMessage(text="x")]
    )
    with pytest.raises(ApiException) as caught:
        await api.reply_message(expired)
    assert error_of(caught) == (400, "Invalid reply token")
    assert len(line.messages_to(ALICE)) == 1 and len(line.received) == 1


async def test_push_with_retry_key_twice(api: AsyncMessagingApi, line: LineStandIn) -> None:
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=BOB, messages=[TextMessage(text="Reminder")])
    first = await api.push_message_with_http_info(request, x_line_retry_key=key)
    assert first.status_code == 200 and first.headers is not None
    with pytest.raises(ApiException) as caught:
        await api.push_message(request, x_line_retry_key=key)
    assert error_of(caught) == (409, "The retry key is already accepted")
    assert caught.value.headers is not None
    accepted = caught.value.headers["x-line-accepted-request-id"]
    assert accepted == first.headers["x-line-request-id"]
    assert line.messages_to(BOB) == [{"type": "text", "text": "Reminder"}]
    assert [(r["path"], r["retry_key"]) for r in line.received] == [("/v2/bot/message/push", key)]
    with pytest.raises(ApiException) as malformed:
        await api.push_message(request, x_line_retry_key="not-a-uuid")
    assert malformed.value.status == 400


async def test_multicast_limit(api: AsyncMessagingApi, line: LineStandIn) -> None:
    users = [user_id_for(f"user{i}") for i in range(501)]
    message = [TextMessage(text="News")]
    too_many = MulticastRequest.construct(to=users, messages=message)  # the SDK would refuse it
    with pytest.raises(ApiException) as caught:
        await api.multicast(too_many)
    assert error_of(caught) == (400, "The request body has 1 error(s)")
    assert line.received == []
    await api.multicast(MulticastRequest(to=users[:500], messages=message))
    assert line.messages_to(users[499]) == [{"type": "text", "text": "News"}]
    assert line.messages_to(users[500]) == []


async def test_message_validation(api: AsyncMessagingApi, line: LineStandIn) -> None:
    label = "ภาษาไทยยาวเกินยี่สิบตัวอักษร"
    item = QuickReplyItem(action=MessageActionButton(label=label, text="th"))
    message = TextMessage(text="Language?", quick_reply=QuickReply(items=[item]))
    with pytest.raises(ApiException) as caught:
        await api.push_message(PushMessageRequest(to=ALICE, messages=[message]))
    details = json.loads(caught.value.body)["details"]
    prop = "messages[0].quickReply.items[0].action.label"
    assert details == [{"message": "Length must be between 0 and 20", "property": prop}]
    assert line.received == []


def _flex_card(n: int) -> dict[str, Any]:
    """A bubble as the bot sends an event card: a body of texts, postback buttons."""
    return {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {"type": "text", "text": f"Event {n}", "weight": "bold", "wrap": True},
                {
                    "type": "text",
                    "text": "https://example.org",
                    "action": {"type": "uri", "uri": "https://example.org"},
                },
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "link",
                    "height": "sm",
                    "action": {"type": "postback", "label": "Remind me", "data": f"ev:r:{n}"},
                }
            ],
        },
    }


def _big_card(n: int) -> dict[str, Any]:
    """A bubble of about 4.5 KB (12 of them: a carousel over 50 KB)."""
    card = _flex_card(n)
    card["body"]["contents"].append({"type": "text", "text": "y" * 4_500})
    return card


def _carousel(bubbles: int) -> dict[str, Any]:
    contents = {"type": "carousel", "contents": [_flex_card(n) for n in range(bubbles)]}
    return {"type": "flex", "altText": "Events", "contents": contents}


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """Sets the value at a dotted path of a message ("contents.contents.0.body.type")."""

    def change(message: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = message
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return change


async def _push_raw(line: LineStandIn, message: dict[str, Any]) -> tuple[int, str]:
    async with httpx.AsyncClient(base_url=line.host) as http:
        response = await http.post(
            "/v2/bot/message/push",
            json={"to": ALICE, "messages": [message]},
            headers={"Authorization": f"Bearer {line.channel_access_token}"},
        )
    return response.status_code, json.dumps(response.json())


async def test_flex_messages_are_accepted_within_lines_limits(line: LineStandIn) -> None:
    assert (await _push_raw(line, _carousel(12)))[0] == 200
    single = {"type": "flex", "altText": "Event", "contents": _flex_card(1)}
    assert (await _push_raw(line, single))[0] == 200
    assert [m["type"] for m in line.messages_to(ALICE)] == ["flex", "flex"]


FOOTER_ACTION = "contents.contents.0.footer.contents.0.action"


@pytest.mark.parametrize(
    ("change", "prop", "problem"),
    [
        (_set("altText", ""), "messages[0].altText", "must be specified"),
        (_set("altText", "x" * 1501), "messages[0].altText", "Length"),
        (_set("contents.contents", [_flex_card(n) for n in range(13)]), "contents", "Size"),
        (_set("contents.type", "bubbles"), "messages[0].contents.type", "must be one of"),
        (_set(f"{FOOTER_ACTION}.label", "x" * 41), "action.label", "between 0 and 40"),
        (_set(f"{FOOTER_ACTION}.label", None), "action.label", "must be specified"),
        (_set(f"{FOOTER_ACTION}.data", "x" * 301), "action.data", "between 0 and 300"),
        (_set(f"{FOOTER_ACTION}.type", "jump"), "action.type", "not a valid action"),
        (
            _set("contents.contents.0.body.contents.0.text", ""),
            "contents[0].text",
            "must be specified",
        ),
        (_set("contents.contents.0.body.contents.1.action.uri", "ftp://x"), "uri", "URI"),
        (_set("contents.contents.0.body.layout", "grid"), "body.layout", "must be one of"),
        (_set("contents.contents.0.footer.type", "button"), "footer.type", "must be box"),
        (
            _set("contents.contents.0.body.contents.0.text", "x" * 31_000),
            "messages[0].contents.contents[0]",
            "larger than 30 KB",
        ),
        (
            _set("contents.contents", [_big_card(n) for n in range(12)]),
            "messages[0].contents",
            "larger than 50 KB",
        ),
    ],
)
async def test_flex_messages_line_would_refuse_are_refused(
    line: LineStandIn, change: Callable[[dict[str, Any]], None], prop: str, problem: str
) -> None:
    message = _carousel(2)
    change(message)
    status, body = await _push_raw(line, message)
    assert status == 400
    details = json.loads(body)["details"][0]
    assert prop in details["property"] and problem in details["message"]
    assert line.messages_to(ALICE) == []


async def test_get_profile(api: AsyncMessagingApi, line: LineStandIn) -> None:
    line.profiles[ALICE] = {"displayName": "Alice", "language": "th"}
    profile = await api.get_profile(ALICE)
    assert (profile.user_id, profile.display_name, profile.language) == (ALICE, "Alice", "th")
    with pytest.raises(ApiException) as caught:
        await api.get_profile(BOB)
    assert error_of(caught) == (404, "Not found")


async def test_rate_limit_auth_and_blocked(api: AsyncMessagingApi, line: LineStandIn) -> None:
    request = PushMessageRequest(to=ALICE, messages=[TextMessage(text="hi")])
    line.rate_limit_next(1)
    with pytest.raises(ApiException) as limited:
        await api.push_message(request)
    assert error_of(limited) == (429, "Too many requests")
    line.blocked_users.add(ALICE)
    await api.push_message(request)
    assert line.messages_to(ALICE) == [] and line.undelivered == [
        (ALICE, {"type": "text", "text": "hi"})
    ]
    config = Configuration(host=line.host, access_token="wrong")
    async with AsyncApiClient(config) as client:
        with pytest.raises(ApiException) as caught:
            await AsyncMessagingApi(client).push_message(request)
    assert caught.value.status == 401


async def test_wait_for(api: AsyncMessagingApi, line: LineStandIn) -> None:
    await api.push_message(PushMessageRequest(to=BOB, messages=[TextMessage(text="hey")]))
    item = await line.wait_for(lambda r: BOB in r["to"], timeout=1)
    assert item["json"]["messages"][0]["text"] == "hey"
    with pytest.raises(TimeoutError):
        await line.wait_for(lambda r: ALICE in r["to"], timeout=0.05)


def test_webhook_parser_accepts_signed_body() -> None:
    secret = "test-channel-secret"
    events = [
        text_event(ALICE, "สวัสดี", reply_token="t1"),
        postback_event(ALICE, "action=subscribe", reply_token="t2"),
        follow_event(BOB, reply_token="t3", is_unblocked=True),
        unfollow_event(BOB, redelivery=True),
        sticker_event(ALICE, reply_token="t4"),
    ]
    body = webhook_body(events)
    parsed = WebhookParser(secret).parse(body.decode(), sign(body, secret))
    text, postback, follow, unfollow, sticker = parsed
    assert isinstance(text, MessageEvent) and isinstance(text.message, TextMessageContent)
    assert text.message.text == "สวัสดี" and text.source.user_id == ALICE
    assert text.reply_token == "t1" and not text.delivery_context.is_redelivery
    assert isinstance(postback, PostbackEvent) and postback.postback.data == "action=subscribe"
    assert isinstance(follow, FollowEvent) and follow.follow.is_unblocked
    assert isinstance(unfollow, UnfollowEvent) and unfollow.delivery_context.is_redelivery
    assert isinstance(sticker, MessageEvent)
    assert isinstance(sticker.message, StickerMessageContent)
    with pytest.raises(InvalidSignatureError):
        WebhookParser(secret).parse(body.decode(), sign(body, "another-secret"))
