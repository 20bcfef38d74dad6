"""The one path of every message: user → language → NLU → action → replies.

Knows nothing of Telegram or LINE: channels hand in `Incoming` and send the `Reply`s back.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from actions.base import Action, Context, StaffDesk
from actions.handoff import talk_to_person, wants_person
from actions.knowledge import Knowledge
from actions.language import set_language
from actions.menu import greet, menu_buttons
from actions.registry import BUTTON_ACTIONS, INTENT_ACTIONS, STAFF_COMMANDS
from bot.channels import Sender
from bot.i18n import LANGUAGES, Catalog
from bot.messages import COMMANDS, Incoming, Kind, Reply
from bot.storage import repo
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
    """The replies to send, and the language they are in."""

    replies: list[Reply]
    lang: str
    duplicate: bool = False


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
    """Handles messages one user at a time, in order; never raises for a user's message."""

    def __init__(
        self,
        db: Database,
        nlu: NluClient,
        texts: Catalog,
        knowledge: Knowledge,
        *,
        staff_desk: StaffDesk | None = None,
        default_language: str = "en",
        staff_ids: frozenset[str] = frozenset(),
    ) -> None:
        self.db = db
        self.nlu = nlu
        self.texts = texts
        self.knowledge = knowledge
        self.staff_desk = staff_desk
        self.default_language = default_language
        self.staff_ids = staff_ids  # "channel:user id" of staff members
        # How to reach a chat of each channel outside a reply (staff answers, later broadcasts).
        self.senders: dict[str, Sender] = {}
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
        """The replies to one incoming message (empty for a redelivered update)."""
        async with self._user_turn((incoming.channel, incoming.user_id)):
            try:
                return await self._handle(incoming)
            except Exception:
                logger.exception(
                    "failed to handle a %s message on %s", incoming.kind, incoming.channel
                )
                lang = (incoming.language_hint or "")[:2]
                lang = lang if lang in LANGUAGES else self.default_language
                return Outcome([Reply(self.texts.get(lang, "error"))], lang)

    async def _understand(self, incoming: Incoming) -> tuple[Understanding | None, bool]:
        """What the text means, and whether the NLU could not be reached (language only)."""
        if incoming.kind is not Kind.TEXT or not incoming.text.strip() or incoming.command():
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
            user, _ = await repo.get_or_create_user(
                session, incoming.channel, incoming.user_id, incoming.chat_id
            )
            if user.blocked:
                user.blocked, user.active = False, True
            lang = resolve_language(
                user, understanding, incoming.language_hint, self.default_language
            )
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
                understanding,
                self.staff_desk,
            )
            replies = await self._act(ctx, understanding, nlu_down)
            if incoming.kind is Kind.TEXT and ctx.user in session:
                intent = understanding.parse.intent if understanding else None
                await repo.log_message(
                    session,
                    user,
                    understanding.text if understanding else incoming.text,
                    language=ctx.lang,
                    intent=intent,
                    confidence=understanding.parse.confidence if understanding else None,
                    answered=not ctx.unanswered and not nlu_down,
                )
            return Outcome(replies, ctx.lang)

    async def _act(
        self, ctx: Context, understanding: Understanding | None, nlu_down: bool
    ) -> list[Reply]:
        incoming = ctx.incoming
        command = incoming.command()
        if incoming.kind is Kind.START or command == "start":
            return await greet(ctx)
        if command in STAFF_COMMANDS and self._is_staff(incoming):
            return await STAFF_COMMANDS[command](ctx)
        if command is not None:
            return await self._button(ctx, COMMANDS.get(command, "unknown"))
        if incoming.kind is Kind.BUTTON:
            return await self._button(ctx, incoming.data)
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

    def _is_staff(self, incoming: Incoming) -> bool:
        return f"{incoming.channel}:{incoming.user_id}" in self.staff_ids

    async def _button(self, ctx: Context, data: str) -> list[Reply]:
        kind, _, value = data.partition(":")
        if kind == "lang":
            return await set_language(ctx, value)
        if kind == "intent" and value in INTENT_ACTIONS:
            return await INTENT_ACTIONS[value](ctx)
        if data in BUTTON_ACTIONS:
            return await BUTTON_ACTIONS[data](ctx)
        logger.info("unknown button payload %r", data[:64])
        return [Reply(ctx.t("fallback"), menu_buttons(ctx))]
