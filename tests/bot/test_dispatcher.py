"""The message path with the real Rasa server and a real SQLite file."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from actions.knowledge import Knowledge
from actions.registry import INTENT_ACTIONS
from bot.core.i18n import Catalog
from bot.core.messages import Incoming, Kind
from bot.core.payloads import FlowStep, unpack
from bot.core.ports import SystemClock
from bot.dispatcher import Dispatcher
from bot.storage import repo
from bot.storage.database import Database
from bot.storage.models import MessageLog, User
from nlu.client import NluClient
from nlu.server import free_port


def text(
    user: str, message: str, *, update_id: str | None = None, hint: str | None = None
) -> Incoming:
    return Incoming(
        "telegram", user, user, Kind.TEXT, text=message, update_id=update_id, language_hint=hint
    )


def button(user: str, data: str) -> Incoming:
    return Incoming("telegram", user, user, Kind.BUTTON, data=data)


@pytest.mark.parametrize(
    ("message", "lang", "intent"),
    [
        ("โครงการล้านช้าง-แม่โขงสีเขียวคืออะไรคะ", "th", "initiative_overview"),
        ("ใครเป็นคนให้ทุนโครงการนี้ครับ", "th", "funding"),
        ("绿色澜湄计划是什么？", "zh", "initiative_overview"),
        ("谁资助这个项目", "zh", "funding"),
        ("What is the Green Lancang-Mekong Initiative?", "en", "initiative_overview"),
        ("lam sao de tham gia tinh nguyen vien", "vi", "youth_participation"),
        # Zawgyi: "how can young people join?"
        ("လူငယ္ေတြ ဘယ္လို ပါဝင္လို႔ရလဲ", "my", "youth_participation"),
    ],
)
async def test_questions_are_answered_in_their_language(
    dispatcher: Dispatcher, knowledge: Knowledge, message: str, lang: str, intent: str
) -> None:
    outcome = await dispatcher.handle(text(f"user-{lang}-{intent}", message))
    assert outcome.lang == lang
    assert outcome.replies[0].text == knowledge.entries[intent].answer.texts[lang]


async def test_the_same_update_is_handled_once(dispatcher: Dispatcher) -> None:
    first = await dispatcher.handle(text("dup", "hello", update_id="100"))
    again = await dispatcher.handle(text("dup", "hello", update_id="100"))
    assert first.replies and not first.duplicate
    assert again.replies == [] and again.duplicate


async def test_a_chosen_language_wins_and_survives_a_restart(
    dispatcher: Dispatcher, texts: Catalog, sqlite_db: Database
) -> None:
    await dispatcher.handle(button("lao-user", "lang:lo"))
    restarted = Dispatcher(
        Database(sqlite_db.url), dispatcher.nlu, texts, dispatcher.knowledge, SystemClock()
    )
    outcome = await restarted.handle(text("lao-user", "hello"))
    assert outcome.lang == "lo"
    assert outcome.replies[0].text == texts.get("lo", "greet", name="")
    await restarted.db.dispose()


async def test_emoji_only_gets_a_polite_reply_in_the_stored_language(
    dispatcher: Dispatcher, texts: Catalog
) -> None:
    await dispatcher.handle(text("emoji", "สวัสดีครับ"))
    outcome = await dispatcher.handle(text("emoji", "😀😀😀"))
    assert outcome.lang == "th"
    assert outcome.replies[0].text in {
        texts.get("th", "fallback"),
        texts.get("th", "out_of_scope"),
        texts.get("th", "greet", name=""),
    }


async def test_the_telegram_language_code_is_used_for_first_contact(
    dispatcher: Dispatcher, texts: Catalog
) -> None:
    outcome = await dispatcher.handle(
        Incoming("telegram", "new", "new", Kind.START, language_hint="vi-VN")
    )
    assert outcome.replies[0].text == texts.get("vi", "greet", name="")


async def test_a_huge_message_is_answered_and_logged(
    dispatcher: Dispatcher, texts: Catalog, sqlite_db: Database
) -> None:
    outcome = await dispatcher.handle(text("huge", "ก" * 100_000))
    assert outcome.replies[0].text == texts.get("th", "too_long")
    async with sqlite_db.session() as session:
        logged = await session.scalar(select(MessageLog.text))
    assert logged is not None and len(logged) <= repo.MAX_LOGGED_CHARS


@pytest.mark.parametrize("kind", [Kind.STICKER, Kind.PHOTO, Kind.VOICE, Kind.LOCATION])
async def test_media_get_a_polite_reply(dispatcher: Dispatcher, texts: Catalog, kind: Kind) -> None:
    await dispatcher.handle(button("media", "lang:km"))
    outcome = await dispatcher.handle(Incoming("telegram", "media", "media", kind))
    assert outcome.replies[0].text == texts.get("km", f"unsupported.{kind.value}")


async def test_out_of_scope_is_logged_as_unanswered(
    dispatcher: Dispatcher, sqlite_db: Database
) -> None:
    outcome = await dispatcher.handle(text("oos", "Who won the football world cup in 2018?"))
    assert outcome.replies[0].buttons
    async with sqlite_db.session() as session:
        rows = await repo.unanswered_questions(session)
    assert rows == [("en", "Who won the football world cup in 2018?", 1)]


async def test_rasa_down_gets_an_apology_and_nothing_hangs(
    sqlite_db: Database, texts: Catalog, knowledge: Knowledge
) -> None:
    down = NluClient(f"http://127.0.0.1:{free_port()}", connect_timeout=0.5, read_timeout=0.5)
    dispatcher = Dispatcher(sqlite_db, down, texts, knowledge, SystemClock())
    outcome = await dispatcher.handle(text("down", "สวัสดีครับ"))
    assert outcome.replies[0].text == texts.get("th", "nlu_unavailable")
    await down.aclose()


async def test_a_failing_action_does_not_lose_the_next_message(
    dispatcher: Dispatcher, texts: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(ctx: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setitem(INTENT_ACTIONS, "greet", broken)
    failed = await dispatcher.handle(text("crash", "hello", update_id="c1"))
    assert failed.replies[0].text == texts.get("en", "error")
    monkeypatch.undo()
    outcome = await dispatcher.handle(text("crash", "hello", update_id="c2"))
    assert outcome.replies[0].text == texts.get("en", "greet", name="")


async def test_deleting_my_data_after_confirmation(
    dispatcher: Dispatcher, texts: Catalog, sqlite_db: Database
) -> None:
    asked = await dispatcher.handle(text("privacy", "delete my data"))
    yes, no = (unpack(b.data) for b in asked.replies[-1].buttons)
    assert isinstance(yes, FlowStep) and isinstance(no, FlowStep)
    assert (yes.value, no.value) == ("yes", "no") and yes.flow_id == no.flow_id
    done = await dispatcher.handle(button("privacy", yes.pack()))
    assert done.replies[0].text == texts.get("en", "privacy.deleted")
    async with sqlite_db.session() as session:
        assert await session.scalar(select(User).where(User.external_id == "privacy")) is None
        assert await session.scalar(select(MessageLog)) is None


async def test_messages_of_one_user_are_handled_in_order(dispatcher: Dispatcher) -> None:
    import asyncio

    outcomes = await asyncio.gather(
        *(dispatcher.handle(text("order", f"hello {i}", update_id=f"o{i}")) for i in range(5))
    )
    assert all(o.replies for o in outcomes)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(message=st.text(max_size=300))
async def test_random_text_never_breaks_the_dispatcher(
    dispatcher: Dispatcher, message: str
) -> None:
    outcome = await dispatcher.handle(text("fuzz", message))
    assert outcome.replies and all(r.text for r in outcome.replies)


async def test_a_short_english_word_does_not_switch_the_language(
    dispatcher: Dispatcher, texts: Catalog
) -> None:
    await dispatcher.handle(text("short", "ສະບາຍດີ"))
    outcome = await dispatcher.handle(text("short", "ok"))
    assert outcome.lang == "lo"


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("มี Facebook page ไหม", "th"),
        ("knowledge platform នៅឯណា?", "km"),
        ("green lancang mekong initiative ဆိုတာဘာလဲ", "my"),
    ],
)
async def test_native_text_with_english_words_is_answered_in_the_native_language(
    dispatcher: Dispatcher, message: str, lang: str
) -> None:
    outcome = await dispatcher.handle(text(f"mixed-{lang}", message))
    assert outcome.lang == lang


async def test_an_unsure_latin_guess_does_not_override_the_default(
    dispatcher: Dispatcher,
) -> None:
    outcome = await dispatcher.handle(text("unsure", "myanmar member?"))
    assert outcome.lang == "en"


async def test_typing_a_request_for_a_person_without_a_staff_desk(
    dispatcher: Dispatcher, texts: Catalog
) -> None:
    outcome = await dispatcher.handle(text("person", "ขอคุยกับเจ้าหน้าที่หน่อยค่ะ"))
    assert outcome.replies[0].text == texts.get(
        "th", "human.unavailable", contact=texts.get("th", "contact.short")
    )


async def test_a_huge_message_is_cut_and_never_blocks_the_event_loop(
    dispatcher: Dispatcher, texts: Catalog
) -> None:
    import asyncio
    import time

    from bot.core.messages import MAX_INCOMING_CHARS, incoming_text

    huge = ("สวัสดีครับ Green Lancang-Mekong 绿色澜湄 ၂၀၂၄ ခုနှစ် \ud800 " * 30_000)[:900_000]
    cut = incoming_text(huge)
    assert len(cut) <= MAX_INCOMING_CHARS and "\ud800" not in cut
    gaps: list[float] = []
    done = False

    async def ticker() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    outcome = await dispatcher.handle(text("huge", cut))
    done = True
    await tick
    assert outcome.replies and outcome.replies[0].text != texts.get("en", "error")
    # Cutting 900,000 characters in the loop would block it for seconds; 0.25 s leaves room
    # for a busy CI machine.
    assert max(gaps) < 0.25, f"the event loop was blocked {max(gaps) * 1000:.0f} ms"
