"""Events for people: what is coming up, reminders of an event or a category, the .ics file.

Intents list_events, subscribe_reminders, unsubscribe_reminders; the command /reminders; the
buttons of the event cards (bot/core/event_payloads.py); the one-time question of the
person's country (a flow), which sets their time zone unless they chose one; the staff
commands /events and /cancel_event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from actions import (
    attachments,
    event_admin,
    event_file,
    event_reminders,
    flows,
    queued_for_person,
)
from actions.base import Action, Context
from actions.event_cards import EventsConfig, card, in_language, person_zone
from actions.event_file import CATEGORIES, EventFileError
from bot.core.event_payloads import (
    AddToCalendar,
    ChangeCountry,
    EventDetails,
    FollowCategory,
    MoreEvents,
    RemindMe,
    StopFollowing,
)
from bot.core.localtime import COUNTRIES, TIME_RANGES, date_range, zone_for_country
from bot.core.messages import Button, Reply
from bot.core.payloads import Payload, Topic
from bot.storage import events
from bot.storage.events import CANCELLED, aware
from bot.storage.models import ConversationState, Event

logger = logging.getLogger(__name__)

PAGE = 5  # events a listing shows before "more"
NONE = "-"  # an absent filter in a MoreEvents payload
MAX_LISTED_PROBLEMS = 100  # problems of a refused events file listed in the staff chat


def config(ctx: Context) -> EventsConfig:
    return EventsConfig.of(ctx.settings)


def _contract(value: str | None, allowed: tuple[str, ...]) -> str | None:
    """An entity value of the contract, else None (a raw span is never used)."""
    if value is None:
        return None
    value = value.strip()
    for candidate in (value, value.lower(), value.upper()):
        if candidate in allowed:
            return candidate
    return None


def _filters(ctx: Context) -> tuple[str | None, str | None, str | None]:
    return (
        _contract(ctx.entity("event_category"), CATEGORIES),
        _contract(ctx.entity("country"), COUNTRIES),
        _contract(ctx.entity("time_range"), TIME_RANGES),
    )


# --- listing ------------------------------------------------------------------------------
async def _listing(
    ctx: Context,
    category: str | None,
    country: str | None,
    time_range: str | None,
    offset: int = 0,
) -> list[Reply]:
    tz = person_zone(ctx.user, config(ctx).default_zone)
    now = ctx.now()
    start = end = None
    if time_range is not None:
        start, end = date_range(time_range, now, tz)
    found = await events.upcoming(
        ctx.session,
        now,
        category=category,
        country=country,
        start=start,
        end=end,
        limit=PAGE + 1,
        offset=offset,
    )
    if not found:
        if offset:
            return [Reply(ctx.t("events.no_more"))]
        key = "events.none_filtered" if (category or country or time_range) else "events.none"
        buttons: tuple[Button, ...] = ()
        if category is not None:
            buttons = (ctx.button("btn.follow_category", FollowCategory(category)),)
        return [Reply(ctx.t(key), buttons)]
    replies = [] if offset else [Reply(ctx.t("events.list_title"))]
    replies += [card(ctx.texts, event, ctx.lang, tz) for event in found[:PAGE]]
    if len(found) > PAGE:
        more = MoreEvents(str(offset + PAGE), category or NONE, country or NONE, time_range or NONE)
        replies.append(Reply(ctx.t("events.more_hint"), (ctx.button("btn.more_events", more),)))
    return replies


async def list_events(ctx: Context) -> list[Reply]:
    """The next events (five, then "more"), narrowed by category, country and time words."""
    return await _listing(ctx, *_filters(ctx))


async def more_events(ctx: Context, payload: MoreEvents) -> list[Reply]:
    def value(field: str) -> str | None:
        return None if field == NONE else field

    offset = int(payload.offset) if payload.offset.isdigit() else 0
    return await _listing(
        ctx,
        _contract(value(payload.category), CATEGORIES),
        _contract(value(payload.country), COUNTRIES),
        _contract(value(payload.time_range), TIME_RANGES),
        offset,
    )


async def details(ctx: Context, payload: EventDetails) -> list[Reply]:
    event = await events.get(ctx.session, payload.event_id)
    if event is None:
        return [Reply(ctx.t("events.not_found"))]
    return [
        card(
            ctx.texts,
            event,
            ctx.lang,
            person_zone(ctx.user, config(ctx).default_zone),
            details=True,
        )
    ]


async def add_to_calendar(ctx: Context, payload: AddToCalendar) -> list[Reply]:
    """The .ics file (a document on Telegram, a link on LINE)."""
    event = await events.get(ctx.session, payload.event_id)
    if event is None:
        return [Reply(ctx.t("events.not_found"))]
    url = config(ctx).calendar_url(event.id, ctx.lang)
    if url is None:
        logger.warning("no public_url or calendar_secret: cannot link an .ics file")
        return [Reply(ctx.t("events.calendar_unavailable"))]
    title = in_language(event.title, ctx.lang)
    return [Reply(ctx.t("events.calendar", title=title), document_url=url)]


# --- subscriptions ------------------------------------------------------------------------
def _needs_country(ctx: Context) -> bool:
    return ctx.user.country is None and ctx.user.timezone is None


async def _follow_event(ctx: Context, event_id: str) -> list[Reply]:
    event = await events.get(ctx.session, event_id)
    if event is None:
        return [Reply(ctx.t("events.not_found"))]
    title = in_language(event.title, ctx.lang)
    if event.status == CANCELLED:
        return [Reply(ctx.t("events.cannot_cancelled", title=title))]
    if aware(event.starts_at) <= ctx.now():
        return [Reply(ctx.t("events.cannot_past", title=title))]
    new = await events.follow_event(ctx.session, ctx.user, event, ctx.now())
    added = await event_reminders.schedule(
        ctx.session, ctx.texts, config(ctx), event, ctx.user, ctx.now()
    )
    if not new:
        return [Reply(ctx.t("events.already", title=title))]
    key = "events.subscribed" if added else "events.subscribed_soon"
    return [
        Reply(ctx.t(key, title=title), (ctx.button("btn.my_reminders", Topic("my_reminders")),))
    ]


async def _follow_category(ctx: Context, category: str) -> list[Reply]:
    now = ctx.now()
    name = ctx.t(f"category.{category}")
    new = await events.follow_category(ctx.session, ctx.user, category, now)
    coming = await events.upcoming(ctx.session, now, category=category)
    for event in coming:
        await event_reminders.schedule(ctx.session, ctx.texts, config(ctx), event, ctx.user, now)
    if not new:
        return [Reply(ctx.t("events.already_category", category=name))]
    return [
        Reply(
            ctx.t("events.following_category", category=name, count=len(coming)),
            (ctx.button("btn.my_reminders", Topic("my_reminders")),),
        )
    ]


async def _subscribe(ctx: Context, target: dict[str, str]) -> list[Reply]:
    if "event" in target:
        return await _follow_event(ctx, target["event"])
    return await _follow_category(ctx, target["category"])


async def _subscribe_or_ask(ctx: Context, target: dict[str, str]) -> list[Reply]:
    """Subscribe, after asking the person's country the first time."""
    if _needs_country(ctx):
        flow = await flows.start(ctx, ASK_COUNTRY, "ask", dict(target))
        return await ASK_COUNTRY.prompt(ctx, flow)
    return await _subscribe(ctx, target)


async def remind_me(ctx: Context, payload: RemindMe) -> list[Reply]:
    return await _subscribe_or_ask(ctx, {"event": payload.event_id})


async def follow_category(ctx: Context, payload: FollowCategory) -> list[Reply]:
    category = _contract(payload.category, CATEGORIES)
    if category is None:
        return [Reply(ctx.t("flow.expired"))]
    return await _subscribe_or_ask(ctx, {"category": category})


async def subscribe_reminders(ctx: Context) -> list[Reply]:
    """ "Remind me of all volunteer activities" follows a category; otherwise pick an event."""
    category, country, time_range = _filters(ctx)
    if category is not None:
        return await _subscribe_or_ask(ctx, {"category": category})
    replies = await _listing(ctx, None, country, time_range)
    return [Reply(ctx.t("events.pick_to_follow")), *replies]


class AskCountry(flows.Flow):
    """Which country the person is in (once): it sets their time zone, then subscribes."""

    name = "event_country"
    states = frozenset({"ask"})

    async def prompt(self, ctx: Context, flow: ConversationState) -> list[Reply]:
        buttons = [flows.choice(ctx, f"country.{code}", code) for code in COUNTRIES]
        buttons.append(flows.choice(ctx, "country.other", "other"))
        return [Reply(ctx.t("events.ask_country"), tuple(buttons), columns=2)]

    async def on_choice(self, ctx: Context, flow: ConversationState, value: str) -> list[Reply]:
        target = {str(k): str(v) for k, v in flow.data.items()}
        await flows.end(ctx)
        country = None if value == "other" else _contract(value, COUNTRIES)
        await set_country(ctx, country)
        if not target:  # asked from /reminders: only the country changes
            name = ctx.t(f"country.{country}" if country else "country.other")
            return [Reply(ctx.t("events.country_set", country=name))]
        return await _subscribe(ctx, target)


ASK_COUNTRY = AskCountry()


async def set_country(ctx: Context, country: str | None) -> None:
    """The person's country; their zone follows it unless they chose another zone, and so do
    the reminders already queued for them."""
    user, default = ctx.user, config(ctx).default_zone
    before = person_zone(user, default)
    derived = zone_for_country(user.country, default)
    if user.timezone is None or user.timezone == derived:
        user.timezone = zone_for_country(country, default)
    user.country = country
    if person_zone(user, default) != before:
        await queued_for_person.rewrite(ctx)


# --- what the person follows --------------------------------------------------------------
def _followed_label(ctx: Context, category: str | None, event: Event | None) -> str:
    if event is not None:
        return in_language(event.title, ctx.lang)
    return ctx.t("events.all_of_category", category=ctx.t(f"category.{category}"))


async def _follows(ctx: Context, *, with_stop: bool) -> list[Reply]:
    rows = await events.follows(ctx.session, ctx.user)
    if not rows:
        return [
            Reply(ctx.t("events.follows_none"), (ctx.button("btn.events", Topic("list_events")),))
        ]
    lines = [ctx.t("events.follows_title")]
    buttons: list[Button] = []
    for subscription, event in rows:
        label = _followed_label(ctx, subscription.category, event)
        lines.append(f"• {label}")
        if with_stop:
            stop = StopFollowing(str(subscription.id)).pack()
            buttons.append(Button(ctx.t("btn.stop_following", what=label[:40]), stop))
    if not with_stop:
        buttons.append(ctx.button("btn.stop_reminders", Topic("unsubscribe_reminders")))
        buttons.append(ctx.button("btn.change_country", ChangeCountry()))
    return [Reply("\n".join(lines), tuple(buttons), columns=1)]


async def my_reminders(ctx: Context) -> list[Reply]:
    """/reminders: what the person follows."""
    return await _follows(ctx, with_stop=False)


async def unsubscribe_reminders(ctx: Context) -> list[Reply]:
    """What the person follows, with a button to stop each."""
    return await _follows(ctx, with_stop=True)


async def change_country(ctx: Context, payload: ChangeCountry) -> list[Reply]:
    """Ask the country again (it sets the time zone of the person's reminders)."""
    flow = await flows.start(ctx, ASK_COUNTRY, "ask", {})
    return await ASK_COUNTRY.prompt(ctx, flow)


async def stop_following(ctx: Context, payload: StopFollowing) -> list[Reply]:
    if not payload.subscription_id.isdigit():
        return [Reply(ctx.t("flow.expired"))]
    removed = await events.unfollow(ctx.session, ctx.user, int(payload.subscription_id))
    if removed is None:
        return [Reply(ctx.t("events.not_following"))]
    if removed.event_id is not None:
        await events.withdraw(ctx.session, removed.event_id, "unsubscribed", user_id=ctx.user.id)
    else:
        for event in await events.upcoming(ctx.session, ctx.now(), category=removed.category):
            if not await events.follows_event(ctx.session, ctx.user, event):
                await events.withdraw(ctx.session, event.id, "unsubscribed", user_id=ctx.user.id)
    return [Reply(ctx.t("events.stopped"))]


# --- staff --------------------------------------------------------------------------------
async def staff_events(ctx: Context) -> list[Reply]:
    """/events: upcoming events with their number of followers."""
    rows = await event_admin.listing(ctx.session, ctx.now())
    return [Reply(event_admin.format_listing(rows))]


async def staff_cancel_event(ctx: Context) -> list[Reply]:
    """/cancel_event ID [reason]: cancel it and tell its followers."""
    words = ctx.incoming.text.split(maxsplit=2)
    if len(words) < 2:
        return [Reply("/cancel_event ID [reason]")]
    reason = words[2] if len(words) > 2 else None
    told = await event_admin.cancel_event(
        ctx.session, ctx.texts, config(ctx), words[1], reason, ctx.now()
    )
    if told is None:
        return [Reply(f"no event {words[1]!r}")]
    return [Reply(f"{words[1]}: cancelled; {told} people notified")]


def _problems(ctx: Context, problems: list[str]) -> str:
    listed = problems[:MAX_LISTED_PROBLEMS]
    if len(problems) > len(listed):
        listed.append(ctx.t("events.import.more", count=len(problems) - len(listed)))
    return "\n".join(listed)


def import_summary(ctx: Context, name: str, report: event_admin.ImportReport) -> str:
    """What an import did, in the staff member's language: ids added, changed, cancelled."""
    changed = [event_id for event_id in report.changed if event_id not in report.cancelled]
    lines = [ctx.t("events.import.done", file=name)]
    for key, ids in (
        ("events.import.added", report.added),
        ("events.import.changed", changed),
        ("events.import.cancelled", report.cancelled),
    ):
        if ids:
            lines.append(ctx.t(key, count=len(ids), ids=", ".join(ids)))
    lines.append(ctx.t("events.import.unchanged", count=len(report.unchanged)))
    lines.append(ctx.t("events.import.notified", count=report.notified))
    return "\n".join(lines)


async def staff_import_file(ctx: Context) -> list[Reply]:
    """A YAML file a staff member sent to the staff chat: imported as `python -m bot events
    import FILE` does, all or nothing; subscribers are told of changes through the outbox."""
    file = attachments.read(ctx)
    if isinstance(file, Reply):
        return [file]
    try:
        specs = event_file.parse(file.text, file.name)
    except EventFileError as error:
        logger.info("events file %s refused: %d problems", file.name, len(error.problems))
        problems = _problems(ctx, error.problems)
        return [Reply(ctx.t("events.import.refused", file=file.name, problems=problems))]
    report = await event_admin.import_events(ctx.session, ctx.texts, config(ctx), specs, ctx.now())
    logger.info(
        "events file %s imported by %s:%s", file.name, ctx.incoming.channel, ctx.incoming.user_id
    )
    return [Reply(import_summary(ctx, file.name, report))]


PayloadAction = Callable[[Context, Any], Awaitable[list[Reply]]]
ACTIONS: dict[str, Action] = {
    "list_events": list_events,
    "subscribe_reminders": subscribe_reminders,
    "unsubscribe_reminders": unsubscribe_reminders,
    "my_reminders": my_reminders,
}
PAYLOAD_ACTIONS: dict[type[Payload], PayloadAction] = {
    RemindMe: remind_me,
    AddToCalendar: add_to_calendar,
    EventDetails: details,
    MoreEvents: more_events,
    FollowCategory: follow_category,
    StopFollowing: stop_following,
    ChangeCountry: change_country,
}
FLOWS: tuple[flows.Flow, ...] = (ASK_COUNTRY,)
STAFF_COMMANDS: dict[str, Action] = {"events": staff_events, "cancel_event": staff_cancel_event}
