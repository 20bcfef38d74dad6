"""The staff's /broadcast flow and /notifications through the dispatcher (scripted Rasa)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from actions.base import StaffDesk
from actions.broadcast import progress_text
from actions.knowledge import Knowledge
from bot.core.i18n import Catalog
from bot.core.messages import Attachment, Incoming, Kind, Reply
from bot.core.payloads import FlowStep, Language, Topic, unpack
from bot.dispatcher import Dispatcher, Outcome
from bot.storage import outbox, repo
from bot.storage.database import Database
from bot.storage.models import Broadcast, Delivery
from nlu.client import NluClient
from tests.broadcasting import NEWS, queue_broadcast
from tests.clock import FakeClock
from tests.standins.rasa import RasaStandIn

STAFF_CHAT = "-100900"
STAFF = "7"


@pytest.fixture
async def scripted_nlu() -> AsyncIterator[NluClient]:
    async with RasaStandIn({"hello": "greet"}) as rasa:
        client = NluClient(rasa.url)
        yield client
        await client.aclose()


@pytest.fixture
def bot(
    sqlite_db: Database, scripted_nlu: NluClient, texts: Catalog, knowledge: Knowledge
) -> Dispatcher:
    staff = StaffDesk("telegram", STAFF_CHAT, frozenset({f"telegram:{STAFF}"}))
    return Dispatcher(sqlite_db, scripted_nlu, texts, knowledge, FakeClock(), staff=staff)


def say(user: str, text: str, chat: str | None = None) -> Incoming:
    return Incoming("telegram", user, chat or user, Kind.TEXT, text=text)


def press(user: str, data: str, chat: str | None = None) -> Incoming:
    return Incoming("telegram", user, chat or user, Kind.BUTTON, data=data)


def steps(outcome: Outcome) -> dict[str, str]:
    """value → packed payload of the flow buttons of the last reply."""
    found = {}
    for button in outcome.replies[-1].buttons:
        payload = unpack(button.data)
        if isinstance(payload, FlowStep):
            found[payload.value] = button.data
    return found


async def _people(db: Database) -> None:
    async with db.session() as session:
        for external, channel, lang in [
            ("101", "telegram", "th"),
            ("102", "telegram", "en"),
            ("U1", "line", "th"),
            ("U2", "line", "vi"),
        ]:
            user, _ = await repo.get_or_create_user(session, channel, external, external)
            user.language = lang


async def _broadcasts(db: Database) -> list[Broadcast]:
    async with db.session() as session:
        return list((await session.scalars(select(Broadcast))).all())


async def test_staff_compose_preview_and_send_in_the_staff_chat(
    bot: Dispatcher, sqlite_db: Database
) -> None:
    await _people(sqlite_db)
    start = await bot.handle(say(STAFF, "/broadcast", STAFF_CHAT))
    assert "lang=th" in steps(start) and "all" in steps(start)
    bad = await bot.handle(say(STAFF, "lang=th,xx", STAFF_CHAT))
    assert "lang=xx" in bad.replies[0].text
    chosen = await bot.handle(say(STAFF, "lang=th,en", STAFF_CHAT))
    # Three people, and the staff member (an English speaker: a person of the bot too).
    assert "lang=th,en (4" in chosen.replies[0].text
    message = "text:\n  th: ข่าวดีค่ะ\n  en: Good news\nfallback: none"
    preview = await bot.handle(say(STAFF, message, STAFF_CHAT))
    shown = [reply.text for reply in preview.replies]
    assert "ข่าวดีค่ะ" in shown and "Good news" in shown  # each version as people see it
    summary = preview.replies[-1].text
    assert "Recipients: 4" in summary and "telegram · ไทย: 1" in summary
    assert "line · ไทย: 1" in summary and "telegram · English: 2" in summary
    assert set(steps(preview)) == {"send", "schedule", "cancel"}
    sent = await bot.handle(press(STAFF, steps(preview)["send"], STAFF_CHAT))
    assert "#1" in sent.replies[0].text
    [created] = await _broadcasts(sqlite_db)
    assert created.recipients == 4 and created.created_by == f"telegram:{STAFF}"
    assert created.report_to == f"telegram:{STAFF_CHAT}:en"
    async with sqlite_db.session() as session:
        rows = await outbox.listing(session, kind="broadcast")
    assert sorted(row.chat_id for row in rows) == sorted(
        ["101", "102", "U1", STAFF]
    )  # the staff member in their own chat
    again = await bot.handle(press(STAFF, steps(preview)["send"], STAFF_CHAT))
    assert again.replies == []  # the flow has ended: pressed again, nothing is sent twice
    assert len(await _broadcasts(sqlite_db)) == 1


async def test_over_the_limit_is_refused_in_the_preview_and_a_schedule_in_the_past_too(
    bot: Dispatcher, sqlite_db: Database
) -> None:
    await _people(sqlite_db)
    await bot.handle(say(STAFF, "/broadcast"))
    await bot.handle(say(STAFF, "all"))
    preview = await bot.handle(say(STAFF, "ก" * 4200))
    assert "Telegram's limit of 4,096" in preview.replies[-1].text
    assert set(steps(preview)) == {"cancel"}
    await bot.handle(press(STAFF, steps(preview)["cancel"]))
    await bot.handle(say(STAFF, "/broadcast"))
    await bot.handle(say(STAFF, "all"))
    preview = await bot.handle(say(STAFF, "Short news"))
    when = await bot.handle(press(STAFF, steps(preview)["schedule"]))
    assert "UTC" in when.replies[0].text
    past = await bot.handle(say(STAFF, "2020-01-01 09:00"))
    assert "in the past" in past.replies[0].text
    assert await _broadcasts(sqlite_db) == []
    later = await bot.handle(say(STAFF, "2099-01-01 09:00"))
    assert "2099-01-01 09:00" in later.replies[0].text
    [created] = await _broadcasts(sqlite_db)
    assert created.status == "scheduled" and created.recipients == 5


async def test_a_non_staff_broadcast_is_refused_and_logged(
    bot: Dispatcher, sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        outcome = await bot.handle(say("555", "/broadcast"))
    assert "refused /broadcast from telegram:555" in caplog.text
    assert not any(unpack(b.data).__class__ is FlowStep for b in outcome.replies[0].buttons)
    async with sqlite_db.session() as session:
        user = await repo.get_user(session, "telegram", "555")
        assert user is not None and await repo.get_flow(session, user) is None


async def test_a_forged_broadcast_button_from_a_non_staff_chat_does_nothing(
    bot: Dispatcher, sqlite_db: Database
) -> None:
    await _people(sqlite_db)
    await bot.handle(say(STAFF, "/broadcast"))
    await bot.handle(say(STAFF, "all"))
    preview = await bot.handle(say(STAFF, "News"))
    forged = steps(preview)["send"]  # the staff member's real button, pressed by someone else
    outcome = await bot.handle(press("555", forged))
    assert "expired" in outcome.replies[0].text
    outcome = await bot.handle(press("555", FlowStep("deadbeef", "send").pack(), STAFF_CHAT))
    assert outcome.replies == []
    assert await _broadcasts(sqlite_db) == []


async def test_notifications_turn_announcements_off_and_on(
    bot: Dispatcher, sqlite_db: Database
) -> None:
    status = await bot.handle(say("300", "/notifications"))
    assert "on" in status.replies[0].text
    [off] = status.replies[0].buttons
    assert unpack(off.data) == Topic("notifications_off")
    done = await bot.handle(press("300", off.data))
    assert "no more announcements" in done.replies[0].text
    async with sqlite_db.session() as session:
        user = await repo.get_user(session, "telegram", "300")
        assert user is not None and user.announcements is False
    await bot.handle(press("300", Topic("notifications_on").pack()))
    async with sqlite_db.session() as session:
        user = await repo.get_user(session, "telegram", "300")
        assert user is not None and user.announcements is True


async def test_a_scheduled_broadcast_follows_a_change_of_language_where_it_has_a_version(
    bot: Dispatcher, sqlite_db: Database
) -> None:
    await _people(sqlite_db)
    broadcast_id = await queue_broadcast(sqlite_db, "all", NEWS, send_at_in=3600)

    async def pending() -> dict[str, tuple[str, datetime]]:
        async with sqlite_db.session() as session:
            query = select(Delivery).where(
                Delivery.kind == "broadcast", Delivery.status == outbox.PENDING
            )
            rows = (await session.scalars(query)).all()
            return {r.chat_id: (Reply.from_json(r.content[0]).text, r.due_at) for r in rows}

    before = await pending()
    assert {chat: text for chat, (text, _) in before.items()} == {
        "101": NEWS["th"],
        "102": NEWS["en"],
        "U1": NEWS["th"],  # U2 reads Vietnamese, which the message lacks (no fallback)
    }
    await bot.handle(press("102", Language("th").pack()))  # English → Thai
    await bot.handle(press("101", Language("km").pack()))  # no Khmer version: Thai kept
    after = await pending()
    assert after == {**before, "102": (NEWS["th"], before["102"][1])}
    async with sqlite_db.session() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.chat_id == "102"))
        assert {r.group_key for r in rows if r.kind == "broadcast"} == {f"b{broadcast_id}:th"}


MESSAGE_FILE = """\
text:
  th: ข่าวดีค่ะ มีเวทีเยาวชนใหม่
  en: Good news, a new youth forum
  vi: Tin vui, có diễn đàn thanh niên mới
fallback: en
buttons:
  - label: {th: สมัคร, en: Register, vi: Đăng ký}
    url: https://example.org/register
"""


def send_file(user: str, name: str, content: bytes, chat: str = STAFF_CHAT) -> Incoming:
    attachment = Attachment(name, len(content), content)
    return Incoming("telegram", user, chat, Kind.FILE, attachment=attachment)


async def test_staff_send_the_message_as_a_yaml_file_and_see_each_language(
    bot: Dispatcher, sqlite_db: Database
) -> None:
    await _people(sqlite_db)
    await bot.handle(say(STAFF, "/broadcast", STAFF_CHAT))
    early = await bot.handle(send_file(STAFF, "message.yml", MESSAGE_FILE.encode()))
    assert early.replies[0].text.startswith("I take a message file only when I ask")
    assert "lang=th" in steps(early)  # asked for the audience again
    await bot.handle(say(STAFF, "lang=th,en,vi", STAFF_CHAT))
    bad = "text:\n  th: ข่าว\n  xx: news\n  en: ''\nfallback: vi\nimage_url: ftp://x\n"
    refused = await bot.handle(send_file(STAFF, "message.yml", bad.encode()))
    assert refused.replies[0].text.splitlines() == [
        "⚠️ message.yml cannot be used. Fix these problems and send it again:",
        "message.yml:3: text.xx: not one of zh, en, th, vi, km, lo, my",
        "message.yml:4: text.en: empty",
        "message.yml:5: fallback: 'vi' is not one of the message's languages",
        "message.yml:6: image_url: an http(s) URL is needed, got 'ftp://x'",
    ]
    preview = await bot.handle(send_file(STAFF, "message.yml", MESSAGE_FILE.encode()))
    shown = [reply.text for reply in preview.replies]
    for text in ("ข่าวดีค่ะ มีเวทีเยาวชนใหม่", "Good news, a new youth forum"):
        assert text in shown
    assert "Tin vui, có diễn đàn thanh niên mới" in shown
    thai = next(r for r in preview.replies if r.text.startswith("ข่าวดี"))
    assert [b.label for b in thai.buttons] == ["สมัคร"]
    assert set(steps(preview)) == {"send", "schedule", "cancel"}
    sent = await bot.handle(press(STAFF, steps(preview)["send"], STAFF_CHAT))
    assert "#1" in sent.replies[0].text
    [created] = await _broadcasts(sqlite_db)
    texts = created.message["text"]
    assert isinstance(texts, dict) and set(texts) == {"th", "en", "vi"}


async def test_a_message_file_from_someone_else_in_the_staff_chat_does_nothing(
    bot: Dispatcher, sqlite_db: Database
) -> None:
    await _people(sqlite_db)
    await bot.handle(say(STAFF, "/broadcast", STAFF_CHAT))
    await bot.handle(say(STAFF, "all", STAFF_CHAT))
    outcome = await bot.handle(send_file("555", "message.yml", MESSAGE_FILE.encode()))
    assert outcome.replies == []
    async with sqlite_db.session() as session:
        user = await repo.get_user(session, "telegram", STAFF)
        assert user is not None
        flow = await repo.get_flow(session, user)
        assert flow is not None and flow.state == "message"


def test_progress_reads_as_a_bar_sent_of_total_rate_and_time_left(texts: Catalog) -> None:
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    row = Broadcast(id=9, status="sending", started_at=now - timedelta(minutes=10))
    figures = {"recipients": 100_000, "sent": 14_990, "blocked": 10, "failed": 0, "unknown": 0}
    text = progress_text(texts, "en", row, {**figures, "pending": 85_000}, now)
    assert text == (
        "📣 Broadcast #9: sending…\n██░░░░░░░░░░ 15%\n"
        "14,990 of 100,000 sent · 25.0/s · about 0:56:40 left"
    )
    thai = progress_text(texts, "th", row, {**figures, "pending": 85_000}, now)
    assert "14,990 จาก 100,000" in thai and "0:56:40" in thai
    done = progress_text(texts, "en", row, {**figures, "sent": 99_990, "pending": 0}, now)
    assert done == (
        "📣 Broadcast #9\n████████████ 100%\n99,990 of 100,000 sent in 0:10:00 (166.7/s)"
    )
    # Cancelled: what was stopped is not counted as handled.
    row.status = "cancelled"
    stopped = progress_text(texts, "en", row, {**figures, "pending": 0}, now)
    assert stopped.startswith("📣 Broadcast #9\n██░░░░░░░░░░ 15%\n14,990 of 100,000 sent in")
