"""Surveys through the dispatcher: taking one, resuming, invitations, one reminder, results.

Routing: the scripted Rasa stand-in, a real database, time a FakeClock; the reminder goes
through the real outbox worker with a recording sender.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from actions import surveys
from actions.base import StaffDesk
from actions.knowledge import Knowledge
from actions.survey_defs import catalogue
from actions.survey_results import compute
from bot.cli_surveys import write_csv
from bot.core.event_payloads import ChangeCountry
from bot.core.i18n import Catalog
from bot.core.messages import Incoming, Kind, Reply
from bot.core.payloads import FlowResume, FlowStep, Language, Topic, unpack
from bot.dispatcher import Dispatcher
from bot.storage import outbox, repo
from bot.storage.database import Database
from bot.storage.events import aware
from bot.storage.models import Delivery, SurveyAnswer, SurveyInvitation, SurveyResponse
from nlu.client import NluClient
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from tests.clock import FakeClock
from tests.deliveries import RecordingSender
from tests.standins.rasa import RasaStandIn

INTENTS = {
    "give feedback": "give_feedback",
    "ให้ความคิดเห็น": "give_feedback",
    "ผู้สนับสนุนเงินทุน": "funding",
    "who funds": "funding",
    "delete my data": "delete_my_data",
}
STAFF_CHAT = "-100900"
EVENT = "forum-2026-11"
# Tuesday 1 December 2026, 10:00 in Bangkok: invitations go out at once.
MORNING = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
async def scripted_nlu() -> AsyncIterator[NluClient]:
    async with RasaStandIn(INTENTS) as rasa:
        client = NluClient(rasa.url)
        yield client
        await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MORNING)


@pytest.fixture
def bot(
    db: Database, scripted_nlu: NluClient, texts: Catalog, knowledge: Knowledge, clock: FakeClock
) -> Dispatcher:
    staff = StaffDesk("telegram", STAFF_CHAT, frozenset({"telegram:7"}))
    return Dispatcher(db, scripted_nlu, texts, knowledge, clock, staff=staff)


def say(channel: str, user: str, text: str) -> Incoming:
    return Incoming(channel, user, user, Kind.TEXT, text=text)


def press(channel: str, user: str, data: str) -> Incoming:
    return Incoming(channel, user, user, Kind.BUTTON, data=data)


def step(reply: Reply, answer: str) -> str:
    """The payload of the button of `reply` answering `answer` (a number, option id, skip…)."""
    for button in reply.buttons:
        payload = unpack(button.data)
        if isinstance(payload, FlowStep) and payload.value.split(".", 1)[-1] == answer:
            return button.data
    raise AssertionError(f"no {answer!r} button in {[b.label for b in reply.buttons]}")


async def make_user(db: Database, channel: str, external_id: str, lang: str, country: str) -> None:
    async with db.session() as session:
        user, _ = await repo.get_or_create_user(session, channel, external_id, external_id)
        user.language, user.language_chosen, user.country = lang, True, country


async def invite(db: Database, *people: tuple[str, str], due: datetime) -> int:
    async with db.session() as session:
        users = [await repo.get_user(session, channel, who) for channel, who in people]
        return await surveys.invite(session, "event-feedback", EVENT, [u for u in users if u], due)


async def answers_of(db: Database, channel: str, who: str) -> dict[str, object]:
    async with db.session() as session:
        user = await repo.get_user(session, channel, who)
        assert user is not None
        rows = await session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.value)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyResponse.user_id == user.id)
        )
        return dict(rows.all())


async def khmer_answers(bot: Dispatcher, texts: Catalog) -> None:
    """A Khmer participant on LINE: buttons, several choices, free text in Khmer."""
    start = await bot.handle(press("line", "kh1", Topic("give_feedback").pack()))
    assert start.lang == "km"
    assert "ព្រឹត្តិការណ៍" in start.replies[0].text  # the intro, in Khmer
    rating = await bot.handle(press("line", "kh1", step(start.replies[-1], "5")))
    assert "(2/4)" in rating.replies[-1].text
    assert len(rating.replies[-1].buttons) == 11  # NPS 0–10: fits LINE's 13 quick replies
    useful = await bot.handle(press("line", "kh1", step(rating.replies[-1], "10")))
    picked = await bot.handle(press("line", "kh1", step(useful.replies[-1], "talks")))
    assert "☑️" in picked.replies[-1].buttons[0].label
    picked = await bot.handle(press("line", "kh1", step(picked.replies[-1], "networking")))
    improve = await bot.handle(press("line", "kh1", step(picked.replies[-1], "done")))
    assert texts.get("km", "survey.type_answer") in improve.replies[-1].text
    done = await bot.handle(say("line", "kh1", "សូមបន្ថែមពេលវេលាសម្រាប់ការពិភាក្សាជាក្រុម"))
    assert done.replies[0].text == catalogue()["event-feedback"].thanks["km"]


async def test_a_khmer_participant_answers_with_buttons_and_khmer_text(
    bot: Dispatcher, db: Database, texts: Catalog
) -> None:
    await make_user(db, "line", "kh1", "km", "KH")
    assert await invite(db, ("line", "kh1"), due=MORNING) == 1
    await khmer_answers(bot, texts)
    assert await answers_of(db, "line", "kh1") == {
        "overall": 5,
        "recommend": 10,
        "useful": ["talks", "networking"],
        "improve": "សូមបន្ថែមពេលវេលាសម្រាប់ការពិភាក្សាជាក្រុម",
    }
    async with db.session() as session:
        invitation = await session.scalar(select(SurveyInvitation))
        assert invitation is not None and invitation.completed_at is not None
        reminder = await session.scalar(select(Delivery).where(Delivery.kind == "survey_reminder"))
        assert reminder is not None and reminder.status == outbox.CANCELLED


async def thai_stops_asks_and_resumes(bot: Dispatcher, clock: FakeClock, texts: Catalog) -> None:
    start = await bot.handle(press("telegram", "th1", Topic("give_feedback").pack()))
    assert start.lang == "th"
    # A rating typed in Thai digits; then a question in the middle of the survey.
    nps = await bot.handle(say("telegram", "th1", "๕"))
    assert "(2/4)" in nps.replies[-1].text
    asked = await bot.handle(say("telegram", "th1", "ผู้สนับสนุนเงินทุนของโครงการคือใคร"))
    assert asked.replies[-1].text == texts.get("th", "flow.resume")
    assert "(2/4)" not in asked.replies[0].text  # the question was answered, not the survey
    clock.advance(days=1)
    back = await bot.handle(say("telegram", "th1", "ให้ความคิดเห็น"))
    assert back.replies[0].text == texts.get("th", "survey.welcome_back")
    assert "(2/4)" in back.replies[-1].text
    useful = await bot.handle(say("telegram", "th1", "๖"))
    skip = step(useful.replies[-1], "skip")
    improve = await bot.handle(press("telegram", "th1", skip))
    done = await bot.handle(say("telegram", "th1", "อยากให้มีเอกสารภาษาไทยมากขึ้น"))
    assert "(4/4)" in improve.replies[-1].text
    assert done.replies[0].text == catalogue()["event-feedback"].thanks["th"]


async def test_a_thai_participant_stops_asks_a_question_resumes_next_day_and_finishes(
    bot: Dispatcher, db: Database, clock: FakeClock, texts: Catalog
) -> None:
    await make_user(db, "telegram", "th1", "th", "TH")
    await invite(db, ("telegram", "th1"), due=MORNING)
    await thai_stops_asks_and_resumes(bot, clock, texts)
    assert await answers_of(db, "telegram", "th1") == {
        "overall": 5,
        "recommend": 6,
        "useful": None,
        "improve": "อยากให้มีเอกสารภาษาไทยมากขึ้น",
    }


async def _until(condition: object, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_a_vietnamese_participant_who_does_not_answer_gets_exactly_one_reminder(
    bot: Dispatcher, db: Database, clock: FakeClock, texts: Catalog
) -> None:
    await make_user(db, "telegram", "vn1", "vi", "VN")
    await make_user(db, "telegram", "th1", "th", "TH")
    # Invited at 23:00 in Hanoi: the invitation waits for 09:00 local time.
    late = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert await invite(db, ("telegram", "vn1"), ("telegram", "th1"), due=late) == 2
    assert await invite(db, ("telegram", "vn1"), ("telegram", "th1"), due=late) == 0  # no twice
    clock.moment = late
    sender = RecordingSender()
    config = DeliveryConfig(budgets={"telegram": 100.0}, tick_seconds=0.05)
    worker = DeliveryWorker(db, {"telegram": sender}, clock, config, on_sent=surveys.ON_SENT)
    await worker.start()
    try:
        await asyncio.sleep(0.3)
        assert sender.sent == []  # night in Vietnam and Thailand
        clock.moment = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi and Bangkok
        await _until(lambda: len(sender.sent) == 2)
        invitation = next(text for chat, text in sender.sent if chat == "vn1")
        assert invitation.startswith("📝 " + catalogue()["event-feedback"].title["vi"])
        # The Thai participant finishes the survey; the Vietnamese one does not answer.
        await thai_stops_asks_and_resumes(bot, clock, texts)
        clock.advance(days=3)
        await _until(lambda: len(sender.sent) >= 3)
        clock.advance(days=10)
        await asyncio.sleep(0.5)
    finally:
        await worker.stop()
    title = catalogue()["event-feedback"].title
    to_vn = [text for chat, text in sender.sent if chat == "vn1"]
    assert to_vn == [invitation, texts.get("vi", "survey.reminder", title=title["vi"])]
    reminder_th = texts.get("th", "survey.reminder", title=title["th"])
    assert [text for chat, text in sender.sent if chat == "th1" and text == reminder_th] == []
    async with db.session() as session:
        rows = (await session.scalars(select(SurveyInvitation))).all()
        reminded = {row.user_id: row.reminded_at is not None for row in rows}
        assert sorted(reminded.values()) == [False, True]


async def test_results_two_complete_one_partial_the_nps_and_a_csv_in_every_script(
    bot: Dispatcher, db: Database, clock: FakeClock, texts: Catalog, tmp_path: Path
) -> None:
    for channel, who, lang, country in [
        ("line", "kh1", "km", "KH"),
        ("telegram", "th1", "th", "TH"),
        ("telegram", "vn1", "vi", "VN"),
        ("telegram", "mm1", "my", "MM"),
    ]:
        await make_user(db, channel, who, lang, country)
    await invite(
        db,
        ("line", "kh1"),
        ("telegram", "th1"),
        ("telegram", "vn1"),
        ("telegram", "mm1"),
        due=MORNING,
    )
    await khmer_answers(bot, texts)
    await thai_stops_asks_and_resumes(bot, clock, texts)
    # A Burmese participant answers two questions and stops.
    start = await bot.handle(press("telegram", "mm1", Topic("give_feedback").pack()))
    nps = await bot.handle(say("telegram", "mm1", "၄"))
    await bot.handle(press("telegram", "mm1", step(nps.replies[-1], "9")))
    async with db.session() as session:
        results, rows = await compute(session, catalogue()["event-feedback"], EVENT)
        partial, _ = await compute(session, catalogue()["event-feedback"], EVENT, "partial")
    assert start.lang == "my"
    assert (results["invited"], results["started"], results["completed"]) == (4, 3, 2)
    assert results["response_rate"] == 0.75 and results["completion_rate"] == 0.667
    recommend = results["questions"]["recommend"]
    # 10 (km), 6 (th), 9 (my): two promoters, one detractor of three → +33.3, under 30: warned
    assert (recommend["n"], recommend["nps"]) == (3, 33.3)
    assert recommend["nps_warning"]
    assert recommend["distribution"]["10"] == 1 and recommend["distribution"]["6"] == 1
    assert results["questions"]["overall"]["mean"] == round((5 + 5 + 4) / 3, 2)
    assert results["questions"]["useful"]["distribution"]["talks"] == 1
    assert {a["language"] for a in results["questions"]["improve"]["answers"]} == {"km", "th"}
    assert results["by_language"] == {
        "km": {"started": 1, "completed": 1},
        "my": {"started": 1, "completed": 0},
        "th": {"started": 1, "completed": 1},
    }
    assert results["by_country"]["MM"] == {"started": 1, "completed": 0}
    assert partial["questions"]["overall"]["n"] == 1
    json.dumps(results, ensure_ascii=False)  # the JSON the command line prints

    path = tmp_path / "results.csv"
    write_csv(path, catalogue()["event-feedback"], rows)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [row["status"] for row in table] == ["complete", "complete", "partial"]
    assert table[0]["improve"] == "សូមបន្ថែមពេលវេលាសម្រាប់ការពិភាក្សាជាក្រុម"
    assert table[1]["improve"] == "อยากให้มีเอกสารภาษาไทยมากขึ้น"
    assert table[0]["useful"] == "talks;networking"

    # Deleting the Khmer participant's data deletes their response: the results change.
    async with db.session() as session:
        user = await repo.get_user(session, "line", "kh1")
        assert user is not None
        await repo.delete_user_data(session, user)
    async with db.session() as session:
        after, _ = await compute(session, catalogue()["event-feedback"], EVENT)
    assert (after["invited"], after["started"], after["completed"]) == (3, 2, 1)
    assert after["questions"]["recommend"]["nps"] == 0.0


async def test_bad_input_stale_buttons_out_of_range_long_text_and_busy(
    bot: Dispatcher, db: Database, texts: Catalog
) -> None:
    start = await bot.handle(say("telegram", "en1", "give feedback"))
    first = start.replies[-1]
    assert "(1/2)" in first.text and len(first.buttons) == 5
    out = await bot.handle(say("telegram", "en1", "7"))
    assert out.replies[0].text == texts.get("en", "survey.out_of_range", low=1, high=5)
    second = await bot.handle(say("telegram", "en1", "5"))
    assert "(2/2)" in second.replies[-1].text
    # A button of the earlier question: nothing stored, the current question again.
    stale = await bot.handle(press("telegram", "en1", step(first, "2")))
    assert stale.replies[0].text == texts.get("en", "survey.stale")
    assert await answers_of(db, "telegram", "en1") == {"useful": 5}
    # A button of another flow: expired.
    flow_id = unpack(step(first, "2"))
    assert isinstance(flow_id, FlowStep)
    other = FlowStep("ffffffff", "0.1").pack()
    expired = await bot.handle(press("telegram", "en1", other))
    assert expired.replies[0].text == texts.get("en", "flow.expired")
    long = await bot.handle(say("telegram", "en1", "x" * 10_000))
    assert long.replies[0].text == texts.get("en", "survey.text_cut", limit="2,000")
    answers = await answers_of(db, "telegram", "en1")
    assert answers["better"] == "x" * surveys.TEXT_LIMIT
    # Starting again offers to change the earlier answers; keeping them changes nothing.
    again = await bot.handle(say("telegram", "en1", "give feedback"))
    assert again.replies[0].text.startswith(texts.get("en", "survey.already", title="")[:20])
    change = await bot.handle(press("telegram", "en1", step(again.replies[0], "change")))
    assert texts.get("en", "survey.earlier", answer="5") in change.replies[-1].text
    keep = await bot.handle(press("telegram", "en1", step(change.replies[-1], "keep")))
    assert "(2/2)" in keep.replies[-1].text
    # Another flow is active: the survey does not start.
    await bot.handle(say("telegram", "en2", "delete my data"))
    busy = await bot.handle(say("telegram", "en2", "give feedback"))
    assert busy.replies[0].text == texts.get("en", "survey.busy")
    assert isinstance(unpack(busy.replies[-1].buttons[0].data), FlowResume)


async def test_a_text_question_left_for_long_takes_a_new_message_for_a_question(
    bot: Dispatcher, db: Database, clock: FakeClock, texts: Catalog
) -> None:
    await bot.handle(say("telegram", "en3", "give feedback"))
    await bot.handle(say("telegram", "en3", "4"))
    clock.advance(hours=2)
    later = await bot.handle(say("telegram", "en3", "who funds the initiative?"))
    assert later.replies[-1].text == texts.get("en", "flow.resume")
    assert "better" not in await answers_of(db, "telegram", "en3")
    go = await bot.handle(press("telegram", "en3", later.replies[-1].buttons[0].data))
    assert "(2/2)" in go.replies[-1].text
    done = await bot.handle(say("telegram", "en3", "More news about youth events"))
    assert done.replies[0].text == catalogue()["general"].thanks["en"]


def tap(user: str, data: str, message: str) -> Incoming:
    """A Telegram button press: it says which message the button was on."""
    return Incoming("telegram", user, user, Kind.BUTTON, data=data, button_message=message)


async def test_a_tap_turns_its_question_into_the_next_under_the_answer_and_skip_and_keep_too(
    bot: Dispatcher, texts: Catalog
) -> None:
    survey = catalogue()["general"]
    first, second = (f"({i + 1}/2) {q.text['en']}" for i, q in enumerate(survey.questions))
    start = await bot.handle(say("telegram", "en5", "give feedback"))
    rated = await bot.handle(tap("en5", step(start.replies[-1], "4"), "501"))
    (asked,) = rated.replies  # one message: the answer given, then the next question
    assert asked.edit == "501" and asked.text.startswith(f"{first}\n✓ 4\n\n{second}")
    assert asked.buttons
    skipped = await bot.handle(tap("en5", step(asked, "skip"), "501"))
    (thanks,) = skipped.replies
    skip = texts.get("en", "btn.survey_skip")
    assert thanks.edit == "501" and thanks.text == f"{second}\n{skip}\n\n{survey.thanks['en']}"
    # Going through it again, "keep my answer" shows the answer kept.
    again = await bot.handle(say("telegram", "en5", "give feedback"))
    change = await bot.handle(tap("en5", step(again.replies[0], "change"), "503"))
    kept = await bot.handle(tap("en5", step(change.replies[-1], "keep"), "504"))
    assert kept.replies[0].edit == "504" and kept.replies[0].text.startswith(f"{first}\n✓ 4\n\n")
    # Typed answers, and presses from channels that cannot say the message (LINE): new messages.
    typed = await bot.handle(say("telegram", "en6", "give feedback"))
    typed = await bot.handle(say("telegram", "en6", "3"))
    assert [r.edit for r in typed.replies] == [None]
    line = await bot.handle(press("line", "ln6", Topic("give_feedback").pack()))
    line = await bot.handle(press("line", "ln6", step(line.replies[-1], "2")))
    assert [r.edit for r in line.replies] == [None] and line.replies[0].text.startswith("(2/2)")


def test_typed_ratings_in_every_script() -> None:
    for text, value in [("5", 5), ("๕", 5), ("五", 5), ("၅", 5), ("៥", 5), ("໕", 5), ("10", 10)]:
        assert surveys.parse_number(text) == value
    assert surveys.parse_number("good") is None


async def test_a_pending_invitation_follows_a_change_of_language_and_of_country(
    bot: Dispatcher, db: Database, clock: FakeClock, texts: Catalog
) -> None:
    await make_user(db, "telegram", "vn1", "vi", "VN")
    late = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 23:00 in Hanoi
    clock.moment = late
    assert await invite(db, ("telegram", "vn1"), due=late) == 1
    title = catalogue()["event-feedback"].title

    async def pending() -> list[tuple[str, datetime, str]]:
        async with db.session() as session:
            query = (
                select(Delivery)
                .where(Delivery.status == outbox.PENDING, Delivery.kind != "reply")
                .order_by(Delivery.id)
            )
            return [
                (r.kind, aware(r.due_at), Reply.from_json(r.content[0]).text)
                for r in (await session.scalars(query)).all()
            ]

    morning = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi
    before = await pending()
    assert [(kind, due) for kind, due, _ in before] == [
        ("survey_invite", morning),
        ("survey_reminder", morning + timedelta(hours=48)),
    ]
    assert before[1][2] == texts.get("vi", "survey.reminder", title=title["vi"])

    # She chooses English: both are rewritten in English, at the same instants.
    await bot.handle(press("telegram", "vn1", Language("en").pack()))
    after = await pending()
    assert [(kind, due) for kind, due, _ in after] == [(kind, due) for kind, due, _ in before]
    assert after[0][2].startswith("📝 " + title["en"])
    assert after[1][2] == texts.get("en", "survey.reminder", title=title["en"])

    # She moves to Myanmar: 09:00 in Hanoi is 08:30 in Yangon, so both wait half an hour.
    asked = await bot.handle(press("telegram", "vn1", ChangeCountry().pack()))
    choice = next(
        s
        for s in (unpack(b.data) for b in asked.replies[-1].buttons)
        if isinstance(s, FlowStep) and s.value == "MM"
    )
    await bot.handle(press("telegram", "vn1", choice.pack()))
    yangon = morning + timedelta(minutes=30)
    moved = await pending()
    assert [(kind, due) for kind, due, _ in moved] == [
        ("survey_invite", yangon),
        ("survey_reminder", yangon + timedelta(hours=48)),
    ]
    assert moved[1][2] == after[1][2]  # still English


def test_invitations_wait_for_a_reasonable_local_hour() -> None:
    from zoneinfo import ZoneInfo

    night = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 23:00 in Bangkok
    sent = surveys.reasonable_hour(night, ZoneInfo("Asia/Bangkok"))
    assert sent == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert surveys.reasonable_hour(MORNING, ZoneInfo("Asia/Bangkok")) == MORNING
    assert sent - night < timedelta(hours=11)


async def test_staff_read_results_in_chat_and_others_may_not(
    bot: Dispatcher, db: Database, texts: Catalog
) -> None:
    await bot.handle(say("telegram", "en4", "give feedback"))
    await bot.handle(say("telegram", "en4", "3"))
    staff = await bot.handle(say("telegram", "7", "/results general"))
    summary = staff.replies[0].text
    assert summary.startswith("📊 " + catalogue()["general"].title["en"])
    assert "1:0 2:0 3:1 4:0 5:0" in summary
    assert "completed 0" in summary
    unknown = await bot.handle(say("telegram", "7", "/results nope"))
    assert unknown.replies[0].text == texts.get(
        "en", "staff.results.usage", ids="event-feedback, general"
    )
    refused = await bot.handle(say("telegram", "en4", "/results general"))
    assert refused.replies[0].text == texts.get("en", "fallback")


async def test_an_anonymous_survey_stores_no_user_id_and_still_one_response_each(
    bot: Dispatcher, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = catalogue()
    anonymous = {
        **shipped,
        "general": dataclasses.replace(shipped["general"], anonymous=True),
    }
    monkeypatch.setattr(surveys, "catalogue", lambda: anonymous)
    for _ in range(2):
        await bot.handle(say("telegram", "an1", "give feedback"))
        await bot.handle(say("telegram", "an1", "4"))
    async with db.session() as session:
        responses = (await session.scalars(select(SurveyResponse))).all()
    assert len(responses) == 1
    assert responses[0].user_id is None
    assert len(responses[0].respondent) == 40 and "an1" not in responses[0].respondent


async def test_inviting_after_an_event_is_safe_to_repeat(db: Database) -> None:
    await make_user(db, "line", "lo1", "lo", "LA")
    async with db.session() as session:
        user = await repo.get_user(session, "line", "lo1")
        assert user is not None
        ended = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 16:00 in Vientiane
        assert await surveys.invite_after_event(session, EVENT, [user], ended) == 1
        assert await surveys.invite_after_event(session, EVENT, [user], ended) == 0
        rows = (await session.scalars(select(Delivery).order_by(Delivery.due_at))).all()
    assert [row.kind for row in rows] == ["survey_invite", "survey_reminder"]
    assert rows[0].dedupe_key == f"survey:event-feedback:{EVENT}:{user.id}"
    assert rows[0].due_at.replace(tzinfo=UTC) == ended + timedelta(hours=2)  # 18:00 local
    assert rows[1].due_at.replace(tzinfo=UTC) == ended + timedelta(hours=50)
