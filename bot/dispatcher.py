"""The one path of every message: user → language → NLU → action → replies.

Knows nothing of Telegram or LINE: channels hand in `Incoming` and send the `Reply`s back.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from actions import flows, queued_for_person
from actions.base import Action, Context, StaffDesk
from actions.handoff import answer_from_staff, talk_to_person, wants_person
from actions.knowledge import Knowledge
from actions.language import set_language
from actions.menu import greet, help_, menu_buttons
from actions.registry import FLOWS, INTENT_ACTIONS, PAYLOAD_ACTIONS, STAFF_COMMANDS, STAFF_FILE
from bot.core.i18n import LANGUAGES, Catalog
from bot.core.messages import COMMANDS, Incoming, Kind, Reply
from bot.core.payloads import (
    Cancel,
    FlowResume,
    FlowStep,
    Human,
    Language,
    Payload,
    PayloadError,
    Topic,
    unpack,
)
from bot.core.ports import Clock
from bot.core.settings import Settings
from bot.storage import outbox, repo
from bot.storage.database import Database
from bot.storage.models import User
from nlu.client import NluClient, NluUnavailable
from nlu.langid import HAN_WEIGHT
from nlu.scripts import HAN, LATIN, OTHER_LETTERS, letter_counts
from nlu.understand import Understanding, read, understand

logger = logging.getLogger(__name__)

# A message's own language is used when identified at least this surely, from enough letters
# ("ok" from a Thai user does not switch them to English; one Chinese character is a word).
LANGUAGE_CONFIDENCE = 0.6
LANGUAGE_MIN_LETTERS = 4
# Messages longer than this are answered with a note that only the beginning was read.
LONG_MESSAGE = 2000
UNANSWERED_INTENTS = frozenset({"out_of_scope", "nlu_fallback"})
# A LINE reply token is valid for about a minute after the event.
REPLY_TOKEN_TTL = timedelta(seconds=50)
_UNSUPPORTED = {
    Kind.STICKER: "unsupported.sticker",
    Kind.PHOTO: "unsupported.photo",
    Kind.VOICE: "unsupported.voice",
    Kind.LOCATION: "unsupported.location",
    Kind.FILE: "unsupported.file",
    Kind.OTHER: "unsupported.other",
}


@dataclass(frozen=True)
class Outcome:
    """The replies written to the outbox, and the language they are in."""

    replies: list[Reply]
    lang: str
    duplicate: bool = False
    # Chats with deliveries on the reply lane from this message (its own chat first).
    touched: tuple[tuple[str, str], ...] = field(default=(), compare=False)


class ReplySender(Protocol):
    """Sends a chat's pending replies after the commit (scheduler.delivery.DeliveryWorker)."""

    def kick(self, channel: str, chat_id: str) -> None: ...


def resolve_language(
    user: User, understanding: Understanding | None, hint: str | None, default: str
) -> str:
    """Explicit choice > this message's language (when sure) > stored > channel hint > default.

    Before the default, a native-script message ("มี Facebook page ไหม": as many Latin letters as
    Thai ones) is answered in its script's language even when not sure.
    """
    if user.language_chosen and user.language in LANGUAGES:
        return user.language
    guess, native = None, False
    if understanding is not None and understanding.language.lang in LANGUAGES:
        guess = understanding.language.lang
        counts = letter_counts(understanding.text)
        letters = sum(counts.values()) + (HAN_WEIGHT - 1) * counts.get(HAN, 0)
        if (
            understanding.language.confidence >= LANGUAGE_CONFIDENCE
            and letters >= LANGUAGE_MIN_LETTERS
        ):
            return guess
        native = bool(set(counts) - {LATIN, OTHER_LETTERS})
    if user.language in LANGUAGES:
        return user.language
    hint = (hint or "").split("-")[0].lower()
    if hint in LANGUAGES:
        return hint
    if guess is not None and native:
        return guess
    return default


class Dispatcher:
    """Handles messages one user at a time, in order; never raises for a user's message.

    In one transaction per message: claim the update, run the action, write the replies to the
    outbox. After the commit the replies are sent (by `replies`, the outbox worker).
    """

    def __init__(
        self,
        db: Database,
        nlu: NluClient,
        texts: Catalog,
        knowledge: Knowledge,
        clock: Clock,
        replies: ReplySender | None = None,
        *,
        staff: StaffDesk | None = None,
        default_language: str = "en",
        settings: Settings | None = None,
    ) -> None:
        self.db = db
        self.nlu = nlu
        self.texts = texts
        self.knowledge = knowledge
        self.clock = clock
        self.replies = replies
        self.staff = staff or StaffDesk()
        self.default_language = default_language
        self.settings = settings
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._waiting: defaultdict[tuple[str, str], int] = defaultdict(int)

    @asynccontextmanager
    async def _user_turn(self, key: tuple[str, str]) -> AsyncIterator[None]:
        """Messages of one user are handled one after another, in arrival order."""
        self._waiting[key] += 1
        try:
            async with self._locks[key]:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def handle(self, incoming: Incoming) -> Outcome:
        """Handle one incoming message; its replies are in the outbox when this returns."""
        async with self._user_turn((incoming.channel, incoming.user_id)):
            try:
                outcome = await self._handle(incoming)
            except Exception:
                logger.exception(
                    "failed to handle a %s message on %s", incoming.kind, incoming.channel
                )
                outcome = await self._apologise(incoming)
        if self.replies is not None:
            for channel, chat_id in outcome.touched:
                self.replies.kick(channel, chat_id)
        return outcome

    async def _apologise(self, incoming: Incoming) -> Outcome:
        """The generic error reply, queued in a transaction of its own."""
        lang = (incoming.language_hint or "")[:2]
        lang = lang if lang in LANGUAGES else self.default_language
        replies = [Reply(self.texts.get(lang, "error"))]
        try:
            async with self.db.session() as session:
                await self._queue_replies(session, incoming, replies, None)
        except Exception:
            logger.exception("could not queue the error reply")
            return Outcome(replies, lang)
        return Outcome(replies, lang, touched=((incoming.channel, incoming.chat_id),))

    async def _queue_replies(
        self, session: AsyncSession, incoming: Incoming, replies: list[Reply], user_id: int | None
    ) -> int | None:
        now = self.clock.now()
        token = incoming.reply_token
        return await outbox.add(
            session,
            kind="reply",
            lane=outbox.REPLY,
            channel=incoming.channel,
            chat_id=incoming.chat_id,
            replies=replies,
            due_at=now,
            user_id=user_id,
            reply_token=token,
            reply_until=now + REPLY_TOKEN_TTL if token else None,
        )

    async def _understand(self, incoming: Incoming) -> tuple[Understanding | None, bool]:
        """What the text means, and whether the NLU could not be reached (language only)."""
        if (
            incoming.kind is not Kind.TEXT
            or not incoming.text.strip()
            or incoming.command()
            or self.staff.is_staff_chat(incoming)
        ):
            return None, False
        try:
            return await understand(self.nlu, incoming.text), False
        except NluUnavailable:
            logger.warning("NLU unavailable; answering with an apology")
            return read(incoming.text), True

    async def _handle(self, incoming: Incoming) -> Outcome:
        understanding, nlu_down = await self._understand(incoming)
        async with self.db.session() as session:
            if incoming.update_id is not None and not await repo.claim_update(
                session, incoming.channel, incoming.update_id
            ):
                logger.info("update %s on %s already handled", incoming.update_id, incoming.channel)
                return Outcome([], self.default_language, duplicate=True)
            # The person's own chat (reminders, broadcasts, staff answers go there), not a group
            # or the staff chat they wrote in: on every channel it has the user's id.
            user, _ = await repo.get_or_create_user(
                session, incoming.channel, incoming.user_id, incoming.user_id
            )
            user.blocked = False  # they wrote to us
            lang = resolve_language(
                user, understanding, incoming.language_hint, self.default_language
            )
            before = user.language
            if not user.language_chosen and (
                user.language is None
                or (understanding is not None and lang == understanding.language.lang)
            ):
                user.language = lang
            ctx = Context(
                session,
                user,
                lang,
                incoming,
                self.texts,
                self.knowledge,
                self.clock,
                self.staff,
                understanding,
                settings=self.settings,
            )
            if before is not None and user.language != before:  # now written in another
                await queued_for_person.rewrite(ctx)
            replies = await self._act(ctx, understanding, nlu_down)
            present = not ctx.deleted
            delivery_id = None
            if replies:
                delivery_id = await self._queue_replies(
                    session, incoming, replies, user.id if present else None
                )
            if incoming.kind is Kind.TEXT and present and not self.staff.is_staff_chat(incoming):
                await repo.log_message(
                    session,
                    user,
                    understanding.text if understanding else incoming.text,
                    language=ctx.lang,
                    intent=understanding.parse.intent if understanding else None,
                    confidence=understanding.parse.confidence if understanding else None,
                    answered=not ctx.unanswered and not nlu_down,
                    delivery_id=delivery_id,
                )
            own = ((incoming.channel, incoming.chat_id),) if replies else ()
            others = tuple(chat for chat in ctx.touched if chat not in own)
            return Outcome(replies, ctx.lang, touched=own + others)

    async def _act(
        self, ctx: Context, understanding: Understanding | None, nlu_down: bool
    ) -> list[Reply]:
        """Route in one order: escapes → the active flow → a button payload → the intent."""
        incoming = ctx.incoming
        if self.staff.is_staff_chat(incoming):
            return await self._staff_chat(ctx)
        command = incoming.command()
        if command in STAFF_COMMANDS:
            if not self.staff.is_member(incoming):
                logger.warning(
                    "refused /%s from %s:%s, who is not staff",
                    command,
                    incoming.channel,
                    incoming.user_id,
                )
                return [Reply(ctx.t("fallback"), menu_buttons(ctx))]
            return await STAFF_COMMANDS[command](ctx)
        payload: Payload | None = None
        if incoming.kind is Kind.BUTTON or (command is not None and command in COMMANDS):
            try:
                payload = unpack(
                    incoming.data if incoming.kind is Kind.BUTTON else COMMANDS[command or ""]
                )
            except PayloadError as error:
                logger.info("refused a button payload: %s", error)
                return [Reply(ctx.t("flow.expired"), menu_buttons(ctx))]
        elif command is not None:
            return [Reply(ctx.t("fallback"), menu_buttons(ctx))]
        # 1. Escapes: always available, whatever flow is active.
        if incoming.kind is Kind.START or command == "start":
            return await greet(ctx)
        if isinstance(payload, Cancel):
            had_flow = await repo.get_flow(ctx.session, ctx.user) is not None
            await flows.end(ctx)
            return [Reply(ctx.t("cancelled" if had_flow else "cancel.nothing"), menu_buttons(ctx))]
        if isinstance(payload, Language):
            return await set_language(ctx, payload.lang)
        if isinstance(payload, Topic) and payload.intent == "help":
            return await help_(ctx)
        # 2. The active flow.
        flow, handler = await flows.active(ctx, FLOWS)
        if flow is not None and handler is None:
            return [Reply(ctx.t("flow.ended"), menu_buttons(ctx))]
        ctx.flow = flow
        if isinstance(payload, FlowStep | FlowResume):
            if flow is None or handler is None or payload.flow_id != flow.flow_id:
                return [Reply(ctx.t("flow.expired"), menu_buttons(ctx))]
            if isinstance(payload, FlowStep):
                return await handler.on_choice(ctx, flow, payload.value)
            if payload.choice == "go":
                return await handler.prompt(ctx, flow)
            await flows.end(ctx)
            return [Reply(ctx.t("cancelled"), menu_buttons(ctx))]
        if (
            flow is not None
            and handler is not None
            and payload is None
            and incoming.kind is Kind.TEXT
        ):
            answered = await handler.on_text(ctx, flow)
            if answered is not None:
                return answered
        # 3. A button payload, 4. the intent's action; then the interrupted flow offers to go on.
        replies = await self._answer(ctx, payload, understanding, nlu_down)
        if flow is not None and ctx.flow is not None and ctx.flow.flow_id == flow.flow_id:
            replies.append(flows.offer_to_resume(ctx))
        return replies

    async def _answer(
        self,
        ctx: Context,
        payload: Payload | None,
        understanding: Understanding | None,
        nlu_down: bool,
    ) -> list[Reply]:
        incoming = ctx.incoming
        if incoming.attachment is not None and incoming.attachment.problem() is None:
            logger.warning(  # files are read from staff in the staff chat only
                "did not read a YAML file from %s:%s outside the staff chat",
                incoming.channel,
                incoming.user_id,
            )
        if isinstance(payload, Human):
            return await talk_to_person(ctx)
        if isinstance(payload, Topic):
            chosen = INTENT_ACTIONS.get(payload.intent)
            if chosen is None:
                return [Reply(ctx.t("flow.expired"), menu_buttons(ctx))]
            return await chosen(ctx)
        if payload is not None and type(payload) in PAYLOAD_ACTIONS:
            return await PAYLOAD_ACTIONS[type(payload)](ctx, payload)
        if incoming.kind in _UNSUPPORTED:
            return [Reply(ctx.t(_UNSUPPORTED[incoming.kind]), menu_buttons(ctx))]
        if nlu_down:
            ctx.unanswered = True
            return [Reply(ctx.t("nlu_unavailable"))]
        if understanding is None or not understanding.text:
            return [Reply(ctx.t("empty"), menu_buttons(ctx))]
        action: Action = INTENT_ACTIONS.get(
            understanding.parse.intent, INTENT_ACTIONS["nlu_fallback"]
        )
        if wants_person(understanding.text):
            action = talk_to_person
        replies = await action(ctx)
        if len(incoming.text) > LONG_MESSAGE:
            replies.insert(0, Reply(ctx.t("too_long")))
        return replies

    async def _staff_chat(self, ctx: Context) -> list[Reply]:
        """The staff chat: staff commands, a staff member's flow, the files staff send (an
        events file to import), and staff replies to forwarded questions."""
        incoming = ctx.incoming
        member = self.staff.is_member(incoming)
        command = incoming.command()
        if command in STAFF_COMMANDS and member:
            return await STAFF_COMMANDS[command](ctx)
        if member and incoming.reply_to is None:
            replies = await self._staff_flow(ctx)
            if replies is not None:
                return replies
        if member and incoming.attachment is not None:
            return await STAFF_FILE(ctx)
        if incoming.attachment is not None:
            logger.warning(
                "refused a file in the staff chat from %s:%s, who is not staff",
                incoming.channel,
                incoming.user_id,
            )
            return []
        return await answer_from_staff(ctx)

    async def _staff_flow(self, ctx: Context) -> list[Reply] | None:
        """A staff member's own flow in the staff chat (composing a broadcast): its buttons,
        its answers and /cancel; None when the message is not for it."""
        incoming = ctx.incoming
        flow, handler = await flows.active(ctx, FLOWS)
        if flow is None or handler is None:
            return None
        ctx.flow = flow
        if incoming.command() == "cancel":
            await flows.end(ctx)
            return [Reply(ctx.t("cancelled"))]
        if incoming.kind is Kind.BUTTON:
            try:
                payload = unpack(incoming.data)
            except PayloadError as error:
                logger.info("refused a button payload in the staff chat: %s", error)
                return []
            if isinstance(payload, FlowStep) and payload.flow_id == flow.flow_id:
                return await handler.on_choice(ctx, flow, payload.value)
            return [Reply(ctx.t("flow.expired"))]
        if incoming.attachment is not None:
            return await handler.on_file(ctx, flow)
        if incoming.kind is Kind.TEXT and not incoming.command():
            return await handler.on_text(ctx, flow)
        return None
