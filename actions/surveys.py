"""Taking a survey (a flow), give_feedback, and invitations after an event with one reminder.

One question at a time. Every answer is stored when given (a response row is created at the
first answer), so a survey left halfway is kept as a partial response and resumed later. The
flow lives 7 days after the last answer; one response per person per survey and event, and
starting a finished survey again offers to change the answers.

Reminders: queued in the outbox at invitation time (a BULK row due 48 hours after the
invitation, at a reasonable local hour) and cancelled in the transaction that finishes the
survey. No scheduler job is needed, the worker sends what is due, and a finished survey can
never be reminded (its reminder row is cancelled before it is due).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from actions import flows, survey_charts, survey_results
from actions.base import Action, Context
from actions.event_cards import EventsConfig, language_and_zone
from actions.menu import menu_buttons
from actions.survey_defs import SCALES, Question, Survey, catalogue, describe
from bot.core import localtime
from bot.core.i18n import Catalog
from bot.core.messages import Button, Reply
from bot.core.payloads import Cancel, FlowStep, Topic
from bot.core.settings import load_settings
from bot.storage import events, images, outbox
from bot.storage import surveys as store
from bot.storage.models import (
    ConversationState,
    Delivery,
    SurveyInvitation,
    SurveyResponse,
    User,
)

logger = logging.getLogger(__name__)

FLOW_NAME = "survey"
# A survey not answered for this long is closed; its answers stay as a partial response.
SURVEY_TTL = timedelta(days=7)
# An event's survey is offered by give_feedback for this long after the invitation.
INVITATION_OPEN = timedelta(days=7)
REMINDER_AFTER = timedelta(hours=48)
# An event's survey is sent this long after it ends (the day's impressions are fresh).
AFTER_EVENT = timedelta(hours=2)
# Free-text answers are stored up to this many characters (the person is told).
TEXT_LIMIT = 2000
# A typed text answers a text question only while the question is fresh; later, it is taken
# for a new message (answered as usual, with an offer to go on with the survey).
TEXT_FRESH = timedelta(minutes=30)
# Intents that make a typed text a question to the bot rather than a free-text answer, when
# recognised this surely and asked as a question.
QUESTION_CONFIDENCE = 0.9
NOT_QUESTIONS = frozenset(
    {"give_feedback", "nlu_fallback", "out_of_scope", "greet", "goodbye", "thanks", "affirm"}
)
QUESTION_MARKS = ("?", "？", "՞", "၊?")
# The outbox kinds of an invitation and of its reminder.
SURVEY_INVITE, SURVEY_REMINDER = "survey_invite", "survey_reminder"
# Invitations and reminders go out between these local hours.
EARLIEST, LATEST = time(9, 0), time(19, 0)
CHINESE_NUMBERS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}


def parse_number(text: str) -> int | None:
    """A whole number typed in any of the seven languages' digits ("5", "๕", "五", "၅", "៥")."""
    cleaned = text.strip().rstrip(".!。！").strip()
    if not cleaned or len(cleaned) > 4:
        return None
    if cleaned in CHINESE_NUMBERS:
        return CHINESE_NUMBERS[cleaned]
    digits = []
    for char in cleaned:
        value = unicodedata.digit(char, None)
        if value is None:
            return None
        digits.append(str(value))
    return int("".join(digits))


@functools.cache
def _salt() -> bytes:
    return load_settings().survey_salt.get_secret_value().encode()


def respondent_key(survey: Survey, user: User) -> str:
    """The user id, or for an anonymous survey a salted hash of who they are on their channel."""
    if not survey.anonymous:
        return f"u{user.id}"
    person = f"{survey.id}|{user.channel}|{user.external_id}".encode()
    return hmac.new(_salt(), person, hashlib.sha256).hexdigest()[:40]


def reminder_key(survey_id: str, event_id: str | None, user_id: int) -> str:
    return f"survey-reminder:{survey_id}:{event_id or '-'}:{user_id}"


def invitation_key(survey_id: str, event_id: str | None, user_id: int) -> str:
    return f"survey:{survey_id}:{event_id or '-'}:{user_id}"


def _text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts["en"]


class TakeSurvey(flows.Flow):
    """Ask a survey's questions one at a time; store each answer as it comes."""

    name = FLOW_NAME
    ttl: ClassVar[timedelta] = SURVEY_TTL
    states = frozenset({"ask", "change"})

    # ---- what the flow holds: survey, event, response id, question index, picks, asked at
    @staticmethod
    def survey_of(flow: ConversationState) -> Survey | None:
        return catalogue().get(str(flow.data.get("survey")))

    @staticmethod
    def _index(flow: ConversationState) -> int:
        return int(str(flow.data.get("q", 0)))

    async def _response(self, ctx: Context, flow: ConversationState) -> SurveyResponse | None:
        response_id = flow.data.get("response")
        if response_id is None:
            return None
        return await store.response_by_id(ctx.session, int(str(response_id)))

    async def _ensure_response(
        self, ctx: Context, flow: ConversationState, survey: Survey
    ) -> SurveyResponse:
        response = await self._response(ctx, flow)
        if response is not None:
            return response
        event = flow.data.get("event") or None
        response = await store.create_response(
            ctx.session,
            survey_id=survey.id,
            event_id=str(event) if event else None,
            respondent=respondent_key(survey, ctx.user),
            user_id=None if survey.anonymous else ctx.user.id,
            language=ctx.lang,
            channel=ctx.user.channel,
            country=ctx.user.country,
            now=ctx.now(),
        )
        flow.data = {**flow.data, "response": response.id}
        return response

    # ---- prompts
    async def prompt(self, ctx: Context, flow: ConversationState) -> list[Reply]:
        survey = self.survey_of(flow)
        if survey is None:
            await flows.end(ctx)
            return [Reply(ctx.t("flow.ended"), menu_buttons(ctx))]
        if flow.state == "change":
            return [self._change_offer(ctx, survey)]
        await flows.advance(ctx, self, "ask", {**flow.data, "asked": ctx.now().isoformat()})
        return [await self._question_reply(ctx, flow, survey)]

    def _change_offer(self, ctx: Context, survey: Survey) -> Reply:
        return Reply(
            ctx.t("survey.already", title=_text(survey.title, ctx.lang)),
            (
                flows.choice(ctx, "btn.survey_change", "change"),
                flows.choice(ctx, "btn.survey_keep_all", "keep"),
            ),
        )

    @staticmethod
    def _heading(ctx: Context, survey: Survey, index: int) -> str:
        question = survey.questions[index]
        return f"({index + 1}/{len(survey.questions)}) {_text(question.text, ctx.lang)}"

    def _in_place(
        self, ctx: Context, survey: Survey, index: int, value: object, then: list[Reply]
    ) -> list[Reply]:
        """What follows a tap (the next question, or the thanks), in place of the question
        tapped, under the answer just given, where the channel said which message the button
        was on (Telegram); elsewhere as it is.

        One message per survey that fills in as the person taps: one Bot API call per answer,
        and no old keyboard left to tap.
        """
        message = ctx.incoming.button_message
        if message is None:
            return then
        question = survey.questions[index]
        shown = (
            ctx.t("btn.survey_skip")
            if value is None
            else f"✓ {describe(question, value, ctx.lang)}"
        )
        first = then[0]
        answered = f"{self._heading(ctx, survey, index)}\n{shown}"
        return [replace(first, text=f"{answered}\n\n{first.text}", edit=message), *then[1:]]

    async def _question_reply(self, ctx: Context, flow: ConversationState, survey: Survey) -> Reply:
        index = self._index(flow)
        question = survey.questions[index]
        lines = [self._heading(ctx, survey, index)]
        earlier: dict[str, object] = {}
        if flow.data.get("changing"):  # going through a finished survey again
            response = await self._response(ctx, flow)
            earlier = (await store.answers(ctx.session, response.id)) if response else {}
        picked = [str(p) for p in flow.data.get("picked", [])]  # type: ignore[attr-defined]
        if question.id in earlier and flow.data.get("changing"):
            lines.append(
                ctx.t("survey.earlier", answer=describe(question, earlier[question.id], ctx.lang))
            )
        if question.type == "text":
            lines.append(ctx.t("survey.type_answer"))

        def step(label: str, value: str) -> Button:
            assert ctx.flow is not None
            return Button(label, FlowStep(ctx.flow.flow_id, f"{index}.{value}").pack())

        buttons: list[Button] = []
        columns = 1
        if question.type in SCALES:
            buttons = [step(str(n), str(n)) for n in SCALES[question.type]]
            columns = 5 if question.type == "rating" else 6
        elif question.type in ("choice", "choices"):
            for option in question.options:
                mark = "☑️ " if option.id in picked else ""
                buttons.append(step(mark + _text(option.text, ctx.lang), option.id))
            if question.type == "choices":
                buttons.append(step(ctx.t("btn.survey_done"), "done"))
        if question.id in earlier and flow.data.get("changing"):
            buttons.append(step(ctx.t("btn.survey_keep"), "keep"))
        if not question.required:
            buttons.append(step(ctx.t("btn.survey_skip"), "skip"))
        return Reply("\n\n".join(lines), tuple(buttons), columns=columns)

    # ---- answers
    async def on_choice(self, ctx: Context, flow: ConversationState, value: str) -> list[Reply]:
        survey = self.survey_of(flow)
        if survey is None:
            await flows.end(ctx)
            return [Reply(ctx.t("flow.ended"), menu_buttons(ctx))]
        if flow.state == "change":
            if value == "change":
                data = {**flow.data, "q": 0, "picked": [], "changing": True}
                await flows.advance(ctx, self, "ask", data)
                return await self.prompt(ctx, flow)
            await flows.end(ctx)
            return [Reply(ctx.t("survey.kept"), menu_buttons(ctx))]
        index_text, _, answer = value.partition(".")
        index = self._index(flow)
        if index_text != str(index) or not answer:
            return [Reply(ctx.t("survey.stale")), *await self.prompt(ctx, flow)]
        question = survey.questions[index]
        if answer == "keep":
            response = await self._response(ctx, flow)
            earlier = (await store.answers(ctx.session, response.id)) if response else {}
            then = await self._next(ctx, flow, survey)
            return self._in_place(ctx, survey, index, earlier.get(question.id), then)
        given: object = None
        if answer == "skip" and not question.required:
            given = None
        elif question.type in SCALES:
            number = parse_number(answer)
            if number is None or number not in SCALES[question.type]:
                return [Reply(ctx.t("survey.stale")), *await self.prompt(ctx, flow)]
            given = number
        elif question.type == "choice" and question.option(answer):
            given = answer
        elif question.type == "choices" and answer == "done":
            picked = [str(p) for p in flow.data.get("picked", [])]  # type: ignore[attr-defined]
            if not picked and question.required:
                return [Reply(ctx.t("survey.pick_one")), *await self.prompt(ctx, flow)]
            given = picked or None
        elif question.type == "choices" and question.option(answer):
            return [await self._toggle(ctx, flow, survey, answer)]
        else:
            return [Reply(ctx.t("survey.stale")), *await self.prompt(ctx, flow)]
        then = await self._store(ctx, flow, survey, question, given)
        return self._in_place(ctx, survey, index, given, then)

    async def _toggle(
        self, ctx: Context, flow: ConversationState, survey: Survey, option: str
    ) -> Reply:
        """Pick or unpick an option of a several-of question: the question again, its ticks
        updated, in place of the one pressed where the channel can edit it."""
        picked = [str(p) for p in flow.data.get("picked", [])]  # type: ignore[attr-defined]
        picked = [p for p in picked if p != option] if option in picked else [*picked, option]
        await flows.advance(ctx, self, "ask", {**flow.data, "picked": picked})
        reply = await self._question_reply(ctx, flow, survey)
        return replace(reply, edit=ctx.incoming.button_message)

    async def on_text(self, ctx: Context, flow: ConversationState) -> list[Reply] | None:
        survey = self.survey_of(flow)
        if survey is None or flow.state != "ask":
            return None
        question = survey.questions[self._index(flow)]
        text = ctx.incoming.text.strip()
        if question.type in SCALES:
            number = parse_number(text)
            if number is None:
                return None  # not an answer: answered as a message, then the survey goes on
            if number not in SCALES[question.type]:
                low, high = SCALES[question.type][0], SCALES[question.type][-1]
                return [
                    Reply(ctx.t("survey.out_of_range", low=low, high=high)),
                    *await self.prompt(ctx, flow),
                ]
            return await self._store(ctx, flow, survey, question, number)
        if question.type in ("choice", "choices"):
            typed = text.casefold()
            for option in question.options:
                if typed in {_text(option.text, ctx.lang).casefold(), option.id.casefold()}:
                    if question.type == "choice":
                        return await self._store(ctx, flow, survey, question, option.id)
                    return await self.on_choice(ctx, flow, f"{self._index(flow)}.{option.id}")
            return None
        if not text or not self._is_answer(ctx, flow):
            return None
        replies: list[Reply] = []
        if len(text) > TEXT_LIMIT:
            text = text[:TEXT_LIMIT]
            replies.append(Reply(ctx.t("survey.text_cut", limit=f"{TEXT_LIMIT:,}")))
        return replies + await self._store(ctx, flow, survey, question, text)

    def _is_answer(self, ctx: Context, flow: ConversationState) -> bool:
        """Whether a typed text answers the free-text question (rather than asks the bot)."""
        asked = flow.data.get("asked")
        if asked:
            moment = datetime.fromisoformat(str(asked))
            if ctx.now() - moment > TEXT_FRESH:
                return False
        understanding = ctx.understanding
        if understanding is None:
            return True
        parse = understanding.parse
        return not (
            parse.intent not in NOT_QUESTIONS
            and parse.confidence >= QUESTION_CONFIDENCE
            and understanding.text.rstrip().endswith(QUESTION_MARKS)
        )

    async def _store(
        self,
        ctx: Context,
        flow: ConversationState,
        survey: Survey,
        question: Question,
        value: object,
    ) -> list[Reply]:
        response = await self._ensure_response(ctx, flow, survey)
        await store.save_answer(ctx.session, response, question.id, value, ctx.now())
        return await self._next(ctx, flow, survey)

    async def _next(self, ctx: Context, flow: ConversationState, survey: Survey) -> list[Reply]:
        index = self._index(flow) + 1
        if index < len(survey.questions):
            await flows.advance(ctx, self, "ask", {**flow.data, "q": index, "picked": []})
            return await self.prompt(ctx, flow)
        response = await self._ensure_response(ctx, flow, survey)
        await store.finish(
            ctx.session,
            response,
            ctx.user.id,
            ctx.now(),
            (
                invitation_key(survey.id, response.event_id, ctx.user.id),
                reminder_key(survey.id, response.event_id, ctx.user.id),
            ),
        )
        await flows.end(ctx)
        return [Reply(_text(survey.thanks, ctx.lang), menu_buttons(ctx))]


TAKE_SURVEY = TakeSurvey()


async def _first_unanswered(ctx: Context, survey: Survey, response: SurveyResponse) -> int:
    given = await store.answers(ctx.session, response.id)
    return next((i for i, q in enumerate(survey.questions) if q.id not in given), 0)


async def start_survey(ctx: Context, survey: Survey, event_id: str | None) -> list[Reply]:
    """Open a survey: new, resumed where it stopped, or (when finished) an offer to change it."""
    if ctx.flow is not None and ctx.flow.flow != FLOW_NAME:
        return [Reply(ctx.t("survey.busy"), (ctx.button("btn.cancel", Cancel()),))]
    if ctx.flow is not None:
        # Opened again while under way: a new flow (the earlier buttons expire), not an offer
        # to go on with the old one.
        await flows.end(ctx)
    response = await store.get_response(
        ctx.session, survey.id, event_id, respondent_key(survey, ctx.user)
    )
    data: dict[str, object] = {"survey": survey.id, "event": event_id or "", "picked": []}
    if response is not None:
        data["response"] = response.id
    if response is not None and response.completed_at is not None:
        flow = await flows.start(ctx, TAKE_SURVEY, "change", data)
        return await TAKE_SURVEY.prompt(ctx, flow)
    if response is not None:
        data["q"] = await _first_unanswered(ctx, survey, response)
        flow = await flows.start(ctx, TAKE_SURVEY, "ask", data)
        return [Reply(ctx.t("survey.welcome_back")), *await TAKE_SURVEY.prompt(ctx, flow)]
    data["q"] = 0
    flow = await flows.start(ctx, TAKE_SURVEY, "ask", data)
    intro = f"📝 {_text(survey.title, ctx.lang)}\n\n{_text(survey.intro, ctx.lang)}"
    return [Reply(intro), *await TAKE_SURVEY.prompt(ctx, flow)]


async def give_feedback(ctx: Context) -> list[Reply]:
    """The survey of the event the person was most recently invited to, if open; else general."""
    surveys = catalogue()
    invitation = await store.latest_open_invitation(
        ctx.session, ctx.user.id, ctx.now() - INVITATION_OPEN
    )
    if invitation is not None and invitation.survey_id in surveys:
        return await start_survey(ctx, surveys[invitation.survey_id], invitation.event_id)
    return await start_survey(ctx, surveys["general"], None)


# ---- invitations --------------------------------------------------------------------------


def reasonable_hour(moment: datetime, zone: ZoneInfo) -> datetime:
    """moment, or the next local EARLIEST when it falls outside EARLIEST–LATEST local time."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
    if EARLIEST <= local.time() <= LATEST:
        return local.astimezone(UTC)
    day = local.date() if local.time() < EARLIEST else local.date() + timedelta(days=1)
    return datetime.combine(day, EARLIEST, tzinfo=zone).astimezone(UTC)


@functools.cache
def _catalog() -> Catalog:
    return Catalog.load()


def _invitation(
    texts: Catalog, survey: Survey, event_id: str | None, lang: str
) -> dict[str, tuple[list[Reply], str]]:
    """The invitation and its reminder as the person reads them, each with its group key
    (LINE multicasts identical rows)."""
    title = _text(survey.title, lang)
    start = (Button(texts.get(lang, "btn.survey_start"), Topic("give_feedback").pack()),)
    event = event_id or "-"
    invitation = texts.get(lang, "survey.invite", title=title, intro=_text(survey.intro, lang))
    return {
        SURVEY_INVITE: ([Reply(invitation, start)], f"survey:{survey.id}:{event}:{lang}"[:64]),
        SURVEY_REMINDER: (
            [Reply(texts.get(lang, "survey.reminder", title=title), start)],
            f"survey-r:{survey.id}:{event}:{lang}"[:64],
        ),
    }


async def invite(
    session: AsyncSession,
    survey_id: str,
    event_id: str | None,
    users: Iterable[User],
    due_at: datetime,
    *,
    texts: Catalog | None = None,
    config: EventsConfig | None = None,
) -> int:
    """Invite people to a survey (after an event): an invitation now, a reminder 48 h later.

    Each person gets at most one invitation per survey and event (survey_invitations is unique,
    and the outbox rows carry dedupe keys `survey:<survey>:<event>:<user>`), sent at a
    reasonable local hour on or after due_at; people who blocked the bot, or who already
    finished this survey, are left out. The reminder is cancelled when the person finishes.
    Returns how many were invited. Call it in the transaction that closes the event.
    """
    survey = catalogue()[survey_id]
    texts = texts or _catalog()
    config = config or EventsConfig()
    invited = 0
    for user in users:
        if user.blocked:
            continue
        done = await store.get_response(session, survey.id, event_id, respondent_key(survey, user))
        if done is not None and done.completed_at is not None:
            continue
        invitation_id = await store.add_invitation(session, survey.id, event_id, user.id, due_at)
        if invitation_id is None:
            continue
        lang, tz = language_and_zone(user, config)
        zone = localtime.zone(tz)
        when = reasonable_hour(due_at, zone)
        written = _invitation(texts, survey, event_id, lang)
        for kind, due, key in (
            (SURVEY_INVITE, when, invitation_key),
            (SURVEY_REMINDER, reasonable_hour(when + REMINDER_AFTER, zone), reminder_key),
        ):
            replies, group = written[kind]
            await outbox.add(
                session,
                kind=kind,
                lane=outbox.BULK,
                channel=user.channel,
                chat_id=user.chat_id,
                replies=replies,
                due_at=due,
                user_id=user.id,
                dedupe_key=key(survey.id, event_id, user.id),
                group_key=group,
                ref=str(invitation_id),
            )
        invited += 1
    logger.info("invited %d people to survey %s (event %s)", invited, survey_id, event_id)
    return invited


async def follow_person(
    session: AsyncSession, texts: Catalog, config: EventsConfig, user: User, now: datetime
) -> int:
    """The person's language or time zone changed: their pending invitations and reminders are
    written again in their language, at a reasonable hour of their zone; how many.

    An invitation goes at the first reasonable hour from when it was due (or now); its
    reminder REMINDER_AFTER later, or, once the invitation is out, at the first reasonable
    hour from its own instant. A row already due keeps its instant (it is being sent).
    """
    lang, tz = language_and_zone(user, config)
    zone = localtime.zone(tz)
    invited_at: dict[str, datetime] = {}  # the new instant of each invitation still pending
    changed = 0
    for kind in (SURVEY_INVITE, SURVEY_REMINDER):
        for row in await outbox.pending_of(session, user.id, kind):
            invitation = await session.get(SurveyInvitation, int(row.ref or 0))
            if invitation is None or invitation.survey_id not in catalogue():
                continue
            survey = catalogue()[invitation.survey_id]
            due = events.aware(row.due_at)
            if due > now and kind == SURVEY_INVITE:
                due = reasonable_hour(max(events.aware(invitation.invited_at), now), zone)
                invited_at[row.ref or ""] = due
            elif due > now:
                after = invited_at.get(row.ref or "")
                due = reasonable_hour(due if after is None else after + REMINDER_AFTER, zone)
            replies, group = _invitation(texts, survey, invitation.event_id, lang)[kind]
            changed += await outbox.revise(
                session, row.id, due_at=due, replies=replies, group_key=group
            )
    return changed


async def invite_after_event(
    session: AsyncSession,
    event_id: str,
    users: Iterable[User],
    ended_at: datetime,
    survey_id: str = "event-feedback",
    *,
    now: datetime | None = None,
    texts: Catalog | None = None,
    config: EventsConfig | None = None,
) -> int:
    """For the events feature, once an event has ended: invite its subscribers to its survey.

    The invitation is due AFTER_EVENT after the end, or now when that has passed (then at a
    reasonable local hour); safe to call again for the same event (nobody is invited twice).
    """
    due = ended_at + AFTER_EVENT
    if now is not None and due < now:
        due = now
    return await invite(session, survey_id, event_id, users, due, texts=texts, config=config)


async def invite_after_ended_events(
    session: AsyncSession,
    now: datetime,
    texts: Catalog | None = None,
    config: EventsConfig | None = None,
) -> int:
    """Every event with a survey that has ended: its subscribers are invited, once; how many.

    An event is marked when its subscribers are invited (events.survey_invited_at) in the
    transaction that queues the invitations, so a restart never invites twice (and the
    dedupe keys would refuse it anyway). An event that ended more than INVITATION_OPEN ago
    (the bot was down that long) or names no known survey is marked without invitations.
    """
    invited = 0
    for event in await events.ended_with_survey(session, now):
        event.survey_invited_at = now
        ended_at = events.aware(event.ends_at)
        if now - ended_at > INVITATION_OPEN:
            logger.warning("event %s ended too long ago: no survey invitations", event.id)
            continue
        if event.survey not in catalogue():
            logger.error("event %s names survey %r, which does not exist", event.id, event.survey)
            continue
        assert event.survey is not None
        people = await events.subscribers(session, event)
        invited += await invite_after_event(
            session, event.id, people, ended_at, event.survey, now=now, texts=texts, config=config
        )
    return invited


async def record_reminder(
    session: AsyncSession, delivery: Delivery, message_ids: list[str]
) -> None:
    """A reminder was sent: noted on the invitation (the audience `unfinished=` reads it)."""
    if delivery.ref is not None:
        await store.mark_reminded(session, int(delivery.ref), delivery.sent_at or datetime.now(UTC))


ACTIONS: dict[str, Action] = {"give_feedback": give_feedback}
FLOWS: tuple[flows.Flow, ...] = (TAKE_SURVEY,)
ON_SENT = {SURVEY_REMINDER: record_reminder}


async def results_command(ctx: Context) -> list[Reply]:
    """/results [ID [EVENT]]: a survey's results as text, then one chart per question.

    The charts are stored in the database with the replies that name them (any worker sends
    them, also after a restart); a channel that cannot upload images sends the text alone.
    """
    surveys = catalogue()
    words = ctx.incoming.text.split()[1:]
    survey_id = (
        words[0] if words else ("event-feedback" if "event-feedback" in surveys else "general")
    )
    event_id = words[1] if len(words) > 1 else None
    survey = surveys.get(survey_id)
    if survey is None:
        return [Reply(ctx.t("staff.results.usage", ids=", ".join(sorted(surveys))))]
    results, _ = await survey_results.compute(ctx.session, survey, event_id)
    replies = [Reply(survey_results.summary(results, survey, ctx.lang, ctx.texts)[:4000])]
    # Drawn in a thread: the bot goes on serving others meanwhile.
    charts = await asyncio.to_thread(survey_charts.question_pngs, survey, results, ctx.lang)
    for chart in charts:
        replies.append(Reply("", image_file=await images.add(ctx.session, chart, ctx.now())))
    return replies


COMMANDS: dict[str, Action] = {"results": results_command}
