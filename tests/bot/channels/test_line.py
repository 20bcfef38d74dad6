"""LINE: the real line-bot-sdk against the stand-in Messaging API, signed webhooks, real Rasa."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from actions.knowledge import Knowledge
from bot.channels.line import LineSender, build_api
from bot.core.i18n import Catalog
from bot.core.messages import Reply
from bot.core.ports import Recipient
from bot.server import MAX_JSON_DEPTH
from bot.storage.models import ProcessedUpdate, User
from tests.askers import ASKERS, Asker
from tests.bot.channels.conftest import (
    STAFF_CHAT,
    RunningBot,
    handoff_recorded,
    json_documents,
    post_line,
    post_telegram,
    sent_to,
    staff_reply,
)
from tests.standins.line import (
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
from tests.standins.telegram import TelegramStandIn


def _texts(line_api: LineStandIn, user: str) -> list[str]:
    return [m["text"] for m in line_api.messages_to(user) if m.get("type") == "text"]


async def _wait_texts(line_api: LineStandIn, user: str, count: int = 1) -> list[str]:
    """The texts sent to user, once there are at least count (replies leave after the commit)."""
    for _ in range(200):
        if len(texts := _texts(line_api, user)) >= count:
            return texts
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user} got {_texts(line_api, user)}, expected {count} texts")


@pytest.mark.parametrize("asker", ASKERS, ids=lambda asker: asker.who)
async def test_answers_in_the_users_language_by_reply(
    webhook_bot: RunningBot, line_api: LineStandIn, knowledge: Knowledge, asker: Asker
) -> None:
    user = user_id_for(asker.who)
    line_api.profiles[user] = {"displayName": "Test", "language": "en"}
    for intent, question in asker.questions:
        before = len(_texts(line_api, user))
        event = text_event(user, question, reply_token=line_api.issue_reply_token(user))
        assert await post_line(webhook_bot, line_api, [event]) == 200
        answer = (await _wait_texts(line_api, user, before + 1))[before]
        assert answer == knowledge.entries[intent].answer.texts[asker.lang], question
    replies = [r for r in line_api.received if r["path"].endswith("/reply")]
    assert len(replies) == len(asker.questions)
    assert all(r["json"]["messages"][-1]["quickReply"]["items"] for r in replies)


async def test_a_bad_or_missing_signature_is_400_and_stores_nothing(
    webhook_bot: RunningBot, line_api: LineStandIn
) -> None:
    event = text_event(user_id_for("mallory"), "hello", reply_token="x")
    assert await post_line(webhook_bot, line_api, [event], signature="bm90IGEgc2lnbmF0dXJl") == 400
    response = await webhook_bot.http.post(
        "/line/webhook", content=webhook_body([event]), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    async with webhook_bot.app.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    assert line_api.received == []


async def test_a_redelivered_event_is_handled_once(
    webhook_bot: RunningBot, line_api: LineStandIn
) -> None:
    user = user_id_for("twice")
    event = text_event(user, "hello", reply_token=line_api.issue_reply_token(user))
    assert await post_line(webhook_bot, line_api, [event]) == 200
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    assert await post_line(webhook_bot, line_api, [redelivered]) == 200
    await _wait_texts(line_api, user)
    await asyncio.sleep(0.3)
    assert len(_texts(line_api, user)) == 1


async def test_a_stale_reply_token_falls_back_to_push_with_a_retry_key(
    webhook_bot: RunningBot, line_api: LineStandIn, texts: Catalog
) -> None:
    user = user_id_for("late")
    token = line_api.issue_reply_token(user, expired=True)
    event = text_event(
        user, "hello", reply_token=token, timestamp=int(time.time() * 1000) - 120_000
    )
    assert await post_line(webhook_bot, line_api, [event]) == 200
    assert (await _wait_texts(line_api, user))[0] == texts.get("en", "greet", name="")
    (push,) = [r for r in line_api.received if r["path"].endswith("/push")]
    assert push["retry_key"] and push["json"]["to"] == user


async def test_follow_greets_in_the_profile_language(
    webhook_bot: RunningBot, line_api: LineStandIn, texts: Catalog
) -> None:
    user = user_id_for("thai-follower")
    line_api.profiles[user] = {"displayName": "Somchai", "language": "th"}
    event = follow_event(user, reply_token=line_api.issue_reply_token(user))
    assert await post_line(webhook_bot, line_api, [event]) == 200
    assert (await _wait_texts(line_api, user))[0] == texts.get("th", "greet", name="")


async def test_postback_buttons_and_stickers(
    webhook_bot: RunningBot, line_api: LineStandIn, texts: Catalog
) -> None:
    user = user_id_for("buttons")
    events = [
        postback_event(user, "lang:km", reply_token=line_api.issue_reply_token(user)),
        sticker_event(user, reply_token=line_api.issue_reply_token(user)),
    ]
    assert await post_line(webhook_bot, line_api, events) == 200
    assert await _wait_texts(line_api, user, 2) == [
        texts.get("km", "language.changed"),
        texts.get("km", "unsupported.sticker"),
    ]


async def test_unfollow_marks_the_user_blocked(
    webhook_bot: RunningBot, line_api: LineStandIn
) -> None:
    user = user_id_for("leaver")
    await post_line(
        webhook_bot,
        line_api,
        [text_event(user, "hi", reply_token=line_api.issue_reply_token(user))],
    )
    assert await post_line(webhook_bot, line_api, [unfollow_event(user)]) == 200
    async with webhook_bot.app.db.session() as session:
        stored = await session.scalar(select(User).where(User.external_id == user))
    assert stored is not None and stored.blocked


async def test_an_oversized_body_is_413(webhook_bot: RunningBot, line_api: LineStandIn) -> None:
    user = user_id_for("big")
    event = text_event(user, "x" * 300_000, reply_token="t")
    assert await post_line(webhook_bot, line_api, [event]) == 413


async def test_one_failing_event_does_not_stop_the_others(
    webhook_bot: RunningBot, line_api: LineStandIn
) -> None:
    good = user_id_for("good")
    line_api.rate_limit_next(1)
    events = [
        text_event(user_id_for("unlucky"), "hello", reply_token="not-issued"),
        text_event(good, "hello", reply_token=line_api.issue_reply_token(good)),
    ]
    assert await post_line(webhook_bot, line_api, events) == 200
    assert await _wait_texts(line_api, good)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=json_documents(
        [
            "destination",
            "events",
            "type",
            "source",
            "message",
            "replyToken",
            "timestamp",
            "text",
            "userId",
        ]
    )
)
async def test_random_signed_bodies_never_get_a_500(
    webhook_bot: RunningBot, line_api: LineStandIn, payload: object
) -> None:
    body = json.dumps(payload).encode()
    response = await webhook_bot.http.post(
        "/line/webhook",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Line-Signature": sign(body, line_api.channel_secret),
        },
    )
    assert response.status_code < 500


async def test_a_line_user_is_put_through_to_staff_on_telegram_and_gets_the_answer(
    staff_bot: RunningBot, telegram_api: TelegramStandIn, line_api: LineStandIn, texts: Catalog
) -> None:
    user = user_id_for("asks-for-a-person")
    question = "ຢາກລົມກັບພະນັກງານແດ່"  # Lao: "I'd like to talk to a member of staff"
    event = text_event(user, question, reply_token=line_api.issue_reply_token(user))
    assert await post_line(staff_bot, line_api, [event]) == 200
    assert await _wait_texts(line_api, user) == [texts.get("lo", "human.forwarded")]
    forwarded = await telegram_api.wait_for(sent_to(STAFF_CHAT))
    assert question in forwarded["text"] and "line:" in forwarded["text"]

    await handoff_recorded(staff_bot, forwarded)
    answer = staff_reply(telegram_api, forwarded, "ສະບາຍດີ! ພວກເຮົາຍິນດີຊ່ວຍ")
    assert await post_telegram(staff_bot, answer) == 200
    await line_api.wait_for(lambda request: request["path"].endswith("/push"))
    relayed = texts.get("lo", "human.reply", text="ສະບາຍດີ! ພວກເຮົາຍິນດີຊ່ວຍ")
    assert _texts(line_api, user)[-1] == relayed


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(depth=st.integers(min_value=1, max_value=20_000))
async def test_deeply_nested_signed_json_is_a_400_never_a_500(
    webhook_bot: RunningBot, line_api: LineStandIn, depth: int
) -> None:
    body = '{"destination": "Ubot", "events": [], "x": ' + "[" * depth + "]" * depth + "}"
    status = await post_line(webhook_bot, line_api, body=body.encode())
    assert status == (400 if depth + 1 > MAX_JSON_DEPTH else 200)


async def test_line_cannot_edit_so_a_reply_meant_to_edit_is_a_new_message(
    line_api: LineStandIn,
) -> None:
    client, api = build_api(line_api.channel_access_token, line_api.host)
    user = user_id_for("line-edit")
    try:
        sender = LineSender(api)
        replies = [
            Reply("(1/2) How useful?\n\n✓ 4", edit="123"),  # meant to edit: LINE sends it
            Reply("📊 Results"),
            Reply("", image_file=5, image_data=b"\x89PNG\r\n\x1a\n"),  # LINE takes URLs only
        ]
        assert await sender.send(Recipient(user), replies, retry_key=str(uuid.uuid4())) == []
        assert await sender.send(Recipient(user), replies[2:], retry_key=str(uuid.uuid4())) == []
    finally:
        await client.close()
    assert _texts(line_api, user) == ["(1/2) How useful?\n\n✓ 4", "📊 Results"]
    assert [m["type"] for m in line_api.messages_to(user)] == ["text", "text"]
