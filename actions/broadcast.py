"""Staff broadcasts: plan (audience, language versions, limits), preview, queue, report.

The command line (bot/cli_broadcast.py) and the staff's `/broadcast` flow in Telegram share
`plan` and `queue`; the deliveries go through the outbox's bulk lanes (Telegram at its budget,
LINE by multicast of one language version).
"""

from __future__ import annotations

import functools
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from actions import attachments, flows
from actions.base import Action, Context
from bot.core import announcement as announcements
from bot.core import audience as audiences
from bot.core.announcement import Announcement
from bot.core.audience import Audience
from bot.core.i18n import LANGUAGES, NATIVE_NAMES, Catalog
from bot.core.messages import Button, Reply
from bot.core.payloads import FlowStep
from bot.storage import broadcasts, outbox
from bot.storage.broadcasts import Person
from bot.storage.events import aware
from bot.storage.models import Broadcast, ConversationState, Delivery

logger = logging.getLogger(__name__)

# The same content queued again within this time asks for a confirmation first.
REPEAT_WINDOW = timedelta(minutes=1)
# Sends a second of each channel's bulk lane (Telegram's budget; LINE multicasts of 500).
TELEGRAM_RATE = 25.0
LINE_REQUESTS_RATE = 100.0
LINE_PER_REQUEST = 500


@dataclass
class Plan:
    """Who gets which language version of an announcement, and what stops it being sent."""

    announcement: Announcement
    audience: Audience
    people: list[Person]
    send_at: datetime | None = None
    problems: list[str] = field(default_factory=list)
    # (channel, version) → people; version None = left out (no text in their language).
    groups: Counter[tuple[str, str | None]] = field(default_factory=Counter)

    @property
    def recipients(self) -> int:
        return sum(n for (_, version), n in self.groups.items() if version is not None)

    @property
    def left_out(self) -> int:
        return sum(n for (_, version), n in self.groups.items() if version is None)

    @property
    def own_language(self) -> int:
        return sum(1 for p in self.people if p.lang in self.announcement.languages)

    @property
    def fallback(self) -> int:
        return self.recipients - self.own_language

    def seconds(self) -> float:
        """About how long sending takes at the lanes' budgets."""
        telegram = sum(n for (ch, v), n in self.groups.items() if ch == "telegram" and v)
        line = sum(
            math.ceil(n / LINE_PER_REQUEST)
            for (ch, v), n in self.groups.items()
            if ch == "line" and v
        )
        return max(telegram / TELEGRAM_RATE, line / LINE_REQUESTS_RATE)


async def plan(
    session: AsyncSession,
    announcement: Announcement,
    audience: Audience,
    now: datetime,
    send_at: datetime | None = None,
    default_language: str = "en",
) -> Plan:
    """The audience looked up and split by channel and language version; the problems found."""
    people = await broadcasts.audience_of(session, audience, default_language)
    result = Plan(announcement, audience, people, send_at, announcement.problems())
    for person in people:
        result.groups[(person.channel, announcement.version_for(person.lang))] += 1
    if send_at is not None and send_at <= now:
        result.problems.append(f"the send time {send_at:%Y-%m-%d %H:%M} UTC is in the past")
    if result.recipients == 0:
        result.problems.append("nobody is in this audience: nothing would be sent")
    return result


def summary(texts: Catalog, lang: str, result: Plan) -> str:
    """Recipients per channel and language, fallback and left out, LINE messages, time."""
    lines = []
    for (channel, version), count in sorted(
        result.groups.items(), key=lambda item: (item[0][0], item[0][1] or "~")
    ):
        name = NATIVE_NAMES[version] if version else "—"
        lines.append(f"• {channel} · {name}: {count:,}")
    return texts.get(
        lang,
        "broadcast.summary",
        total=f"{result.recipients:,}",
        lines="\n".join(lines),
        own=f"{result.own_language:,}",
        fallback=f"{result.fallback:,}",
        left_out=f"{result.left_out:,}",
        line_messages=result.announcement.line_messages(),
        minutes=max(1, math.ceil(result.seconds() / 60)),
    )


async def queue(
    session: AsyncSession,
    result: Plan,
    *,
    created_by: str,
    now: datetime,
    report_to: str | None = None,
) -> Broadcast:
    """The broadcast and its deliveries, written in the caller's transaction."""
    if result.problems:
        raise ValueError("; ".join(result.problems))
    broadcast = await broadcasts.create(
        session,
        announcement=result.announcement,
        audience=result.audience,
        people=result.people,
        created_by=created_by,
        now=now,
        send_at=result.send_at,
        report_to=report_to,
    )
    logger.info(
        "broadcast %d queued by %s: %d recipients", broadcast.id, created_by, broadcast.recipients
    )
    return broadcast


async def repeated(
    session: AsyncSession, announcement: Announcement, now: datetime
) -> Broadcast | None:
    """A broadcast of the same content queued within the last minute."""
    return await broadcasts.same_recently(session, announcement.digest(), now - REPEAT_WINDOW)


def parse_time(text: str, now: datetime) -> datetime:
    """An ISO 8601 time (UTC when it names no zone), in the future; ValueError otherwise."""
    moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if moment <= now:
        raise ValueError(f"{moment:%Y-%m-%d %H:%M} UTC is in the past")
    return moment


@functools.cache
def _catalog() -> Catalog:
    return Catalog.load()


# --- progress and the final report, for the staff who sent it from a chat ------------------

# Channels that edit a message in place: staff there see one progress message. Elsewhere
# (LINE) progress would be a new message every few seconds, so only the report goes.
PROGRESS_CHANNELS = frozenset({"telegram"})
BAR_WIDTH = 12
Chat = tuple[str, str]


def _clock(seconds: float) -> str:
    """A duration as H:MM:SS (the same in every language)."""
    whole = max(0, round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def progress_text(
    texts: Catalog, lang: str, broadcast: Broadcast, figures: dict[str, object], now: datetime
) -> str:
    """A bar, sent of total, the rate a second and the time left (or taken, once finished)."""
    total = int(str(figures["recipients"]))
    pending = int(str(figures["pending"]))
    sent = int(str(figures["sent"]))
    handled = total - pending
    if broadcast.status == broadcasts.CANCELLED:  # what was stopped was not handled
        handled = sent + sum(int(str(figures[k])) for k in ("blocked", "failed", "unknown"))
    share = handled / total if total else 1.0
    filled = round(share * BAR_WIDTH)
    started = broadcast.started_at or broadcast.created_at
    elapsed = max((now - aware(started)).total_seconds(), 1.0)
    rate = handled / elapsed
    values = {
        "id": broadcast.id,
        "bar": "█" * filled + "░" * (BAR_WIDTH - filled),
        "percent": f"{100 * share:.0f}",
        "sent": f"{sent:,}",
        "total": f"{total:,}",
        "rate": f"{rate:.1f}",
    }
    if pending == 0:
        return texts.get(lang, "broadcast.progress_end", **values, elapsed=_clock(elapsed))
    left = _clock(pending / rate) if rate > 0 else "?"
    return texts.get(lang, "broadcast.progress", **values, left=left)


async def follow(
    session: AsyncSession, now: datetime, every: timedelta, texts: Catalog | None = None
) -> set[Chat]:
    """Progress and final reports of the broadcasts under way, queued in the outbox; the chats
    written to (to kick the reply lane). Run on a tick by scheduler/broadcast_progress.py.

    A broadcast composed in a chat gets there, while it sends, one progress message edited at
    most every `every`, and once nothing is left to send (whatever became of the last
    deliveries; also when cancelled, also after a restart) one final report. One without such
    a chat (the command line) is only marked done.
    """
    touched: set[Chat] = set()
    for broadcast in await broadcasts.to_follow(session, now):
        chat = await _follow_one(session, broadcast, now, every, texts or _catalog())
        if chat is not None:
            touched.add(chat)
    return touched


async def _follow_one(
    session: AsyncSession, broadcast: Broadcast, now: datetime, every: timedelta, texts: Catalog
) -> Chat | None:
    finished = not await broadcasts.unfinished(session, broadcast.id)
    target = (broadcast.report_to or "").split(":")
    if len(target) != 3:  # composed on the command line: nobody to tell
        if finished:
            await broadcasts.report(session, broadcast, now)  # brings the status up to date
            broadcast.reported_at = now
        return None
    channel, chat_id, lang = target
    editable = channel in PROGRESS_CHANNELS
    # Until the last progress message is sent its id is unknown (and the report would queue
    # behind it in the chat anyway): wait for it, so that there is only ever one.
    if editable and await broadcasts.progress_in_flight(session, broadcast.id):
        return None
    if not finished:
        last = broadcast.progress_at
        due = last is None or now - aware(last) >= every
        if not editable or not due or broadcast.status == broadcasts.CANCELLED:
            return None
    figures = await broadcasts.report(session, broadcast, now)
    replies: list[tuple[str, Reply]] = []
    if editable and (not finished or broadcast.progress_message):
        text = progress_text(texts, lang, broadcast, figures, now)
        replies.append((broadcasts.PROGRESS, Reply(text, edit=broadcast.progress_message)))
        broadcast.progress_at = now
    if finished:
        key = "broadcast.report"
        if broadcast.status == broadcasts.CANCELLED:
            key = "broadcast.report_cancelled"
        counted = ("sent", "blocked", "failed", "unknown", "pending")
        not_sent = int(str(figures["recipients"])) - sum(int(str(figures[k])) for k in counted)
        replies.append(("notice", Reply(texts.get(lang, key, **figures, not_sent=not_sent))))
        broadcast.reported_at = now
    for kind, reply in replies:
        await outbox.add(
            session,
            kind=kind,
            lane=outbox.REPLY,
            channel=channel,
            chat_id=chat_id,
            replies=[reply],
            due_at=now,
            ref=str(broadcast.id),
            dedupe_key=f"broadcast-report:{broadcast.id}" if kind == "notice" else None,
        )
    return channel, chat_id


async def record_progress_message(
    session: AsyncSession, delivery: Delivery, message_ids: list[str]
) -> None:
    """A progress message was sent or edited: its id (new when it could not be edited) is the
    one the next progress edits, also after a restart; the next edit is due `every` after
    this one reached the chat (not after it was queued: staff see edits that far apart)."""
    if delivery.ref is not None and delivery.ref.isdigit() and message_ids:
        await broadcasts.set_progress_message(
            session, int(delivery.ref), message_ids[-1], delivery.sent_at or datetime.now(UTC)
        )


# --- the staff's flow in Telegram ---------------------------------------------------------


def _refuse(ctx: Context) -> bool:
    """True (and logged) when the person is not staff: a forged or stale broadcast button."""
    if ctx.staff.is_member(ctx.incoming):
        return False
    logger.warning(
        "refused a broadcast step from %s:%s, who is not staff",
        ctx.incoming.channel,
        ctx.incoming.user_id,
    )
    return True


class Compose(flows.Flow):
    """Audience → message → preview → send now, schedule, or cancel."""

    name = "broadcast"
    ttl: ClassVar[timedelta] = timedelta(minutes=30)
    states = frozenset({"audience", "message", "preview", "when"})

    async def prompt(self, ctx: Context, flow: ConversationState) -> list[Reply]:
        if flow.state == "audience":
            buttons = [flows.choice(ctx, "btn.broadcast.all", "all")]
            buttons += [
                flows.choice(ctx, "btn.broadcast.telegram", "channel=telegram"),
                flows.choice(ctx, "btn.broadcast.line", "channel=line"),
            ]
            assert ctx.flow is not None
            for lang in LANGUAGES:
                step = FlowStep(ctx.flow.flow_id, f"lang={lang}")
                buttons.append(Button(NATIVE_NAMES[lang], step.pack()))
            return [Reply(ctx.t("broadcast.audience.ask"), tuple(buttons), columns=3)]
        if flow.state == "message":
            return [Reply(ctx.t("broadcast.message.ask"))]
        if flow.state == "when":
            return [Reply(ctx.t("broadcast.when.ask"))]
        return await self._preview(ctx, flow)

    async def _plan(
        self, ctx: Context, flow: ConversationState, send_at: datetime | None = None
    ) -> Plan:
        audience = audiences.parse(str(flow.data["audience"]))
        message = announcements.parse(flow.data["message"])
        return await plan(ctx.session, message, audience, ctx.now(), send_at)

    async def _preview(self, ctx: Context, flow: ConversationState) -> list[Reply]:
        result = await self._plan(ctx, flow)
        shown = [
            version
            for version in result.announcement.languages
            if any(v == version for (_, v) in result.groups)
        ] or list(result.announcement.languages)
        replies = []
        for version in shown:
            replies.append(Reply(ctx.t("broadcast.preview", language=NATIVE_NAMES[version])))
            replies.append(result.announcement.reply(version))
        text = summary(ctx.texts, ctx.lang, result)
        buttons: tuple[Button, ...]
        if result.problems:
            text += "\n\n" + ctx.t("broadcast.problems", problems="\n".join(result.problems))
            buttons = (flows.choice(ctx, "btn.broadcast.cancel", "cancel"),)
        else:
            buttons = (
                flows.choice(ctx, "btn.broadcast.send", "send"),
                flows.choice(ctx, "btn.broadcast.schedule", "schedule"),
                flows.choice(ctx, "btn.broadcast.cancel", "cancel"),
            )
        replies.append(Reply(text, buttons, columns=1))
        return replies

    async def on_text(self, ctx: Context, flow: ConversationState) -> list[Reply] | None:
        if _refuse(ctx):
            await flows.end(ctx)
            return []
        text = ctx.incoming.text.strip()
        if flow.state == "audience":
            return await self._audience(ctx, flow, text)
        if flow.state == "message":
            try:
                message = announcements.parse(_message_data(text, ctx.lang))
            except announcements.MessageError as error:
                return [Reply(ctx.t("broadcast.message.bad", error=str(error)))]
            return await self._take_message(ctx, flow, message)
        if flow.state == "when":
            try:
                send_at = parse_time(text, ctx.now())
            except ValueError as error:
                return [Reply(ctx.t("broadcast.when.bad", error=str(error)))]
            return await self._queue(ctx, flow, send_at)
        return None

    async def on_file(self, ctx: Context, flow: ConversationState) -> list[Reply]:
        """A message file (the format of `broadcast send --message FILE`) at the message step."""
        if _refuse(ctx):
            await flows.end(ctx)
            return []
        if flow.state != "message":
            return [Reply(ctx.t("broadcast.file.not_now")), *await self.prompt(ctx, flow)]
        file = attachments.read(ctx)
        if isinstance(file, Reply):
            return [file]
        try:
            message = announcements.load(file.text, file.name)
        except announcements.MessageError as error:
            problems = "\n".join(error.problems)
            return [Reply(ctx.t("broadcast.message.bad_file", file=file.name, problems=problems))]
        return await self._take_message(ctx, flow, message)

    async def _take_message(
        self, ctx: Context, flow: ConversationState, message: Announcement
    ) -> list[Reply]:
        """The message is chosen: the preview of each language version."""
        await flows.advance(ctx, self, "preview", {**flow.data, "message": message.to_json()})
        assert ctx.flow is not None
        return await self._preview(ctx, ctx.flow)

    async def _audience(self, ctx: Context, flow: ConversationState, text: str) -> list[Reply]:
        try:
            audience = audiences.parse(text)
        except audiences.AudienceError as error:
            return [Reply(ctx.t("broadcast.audience.bad", error=str(error)))]
        people = await broadcasts.audience_of(ctx.session, audience)
        if not people:
            return [Reply(ctx.t("broadcast.nobody", audience=str(audience)))]
        await flows.advance(ctx, self, "message", {"audience": str(audience)})
        return [
            Reply(ctx.t("broadcast.audience.chosen", audience=str(audience), count=len(people))),
            Reply(ctx.t("broadcast.message.ask")),
        ]

    async def on_choice(self, ctx: Context, flow: ConversationState, value: str) -> list[Reply]:
        if _refuse(ctx):
            await flows.end(ctx)
            return []
        if value == "cancel":
            await flows.end(ctx)
            return [Reply(ctx.t("broadcast.cancelled"))]
        if flow.state == "audience":
            return await self._audience(ctx, flow, value)
        if flow.state == "preview" and value == "send":
            return await self._queue(ctx, flow, None)
        if flow.state == "preview" and value == "schedule":
            await flows.advance(ctx, self, "when")
            return [Reply(ctx.t("broadcast.when.ask"))]
        return await self.prompt(ctx, flow)

    async def _queue(
        self, ctx: Context, flow: ConversationState, send_at: datetime | None
    ) -> list[Reply]:
        result = await self._plan(ctx, flow, send_at)
        if result.problems:
            return [Reply(ctx.t("broadcast.problems", problems="\n".join(result.problems)))]
        incoming = ctx.incoming
        broadcast = await queue(
            ctx.session,
            result,
            created_by=f"{incoming.channel}:{incoming.user_id}",
            now=ctx.now(),
            report_to=f"{incoming.channel}:{incoming.chat_id}:{ctx.lang}",
        )
        await flows.end(ctx)
        if send_at is None:
            return [Reply(ctx.t("broadcast.queued", id=broadcast.id, count=broadcast.recipients))]
        return [
            Reply(
                ctx.t(
                    "broadcast.scheduled",
                    id=broadcast.id,
                    count=broadcast.recipients,
                    when=f"{send_at:%Y-%m-%d %H:%M}",
                )
            )
        ]


def _message_data(text: str, lang: str) -> object:
    """A typed message: a YAML message file (with `text:`), or plain text in one language."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict) and "text" in data:
        return data
    return {"text": {lang: text}, "fallback": lang}


COMPOSE = Compose()


async def start_broadcast(ctx: Context) -> list[Reply]:
    """`/broadcast` (staff only; the dispatcher refuses anyone else): choose the audience."""
    flow = await flows.start(ctx, COMPOSE, "audience")
    return await COMPOSE.prompt(ctx, flow)


COMMANDS: dict[str, Action] = {"broadcast": start_broadcast}
FLOWS: tuple[flows.Flow, ...] = (COMPOSE,)
ON_SENT = {broadcasts.PROGRESS: record_progress_message}
