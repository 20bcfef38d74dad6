"""Telegram (python-telegram-bot 22): polling or webhook, inline keyboards, rate limits."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.dispatcher import Dispatcher
from bot.i18n import LANGUAGES, Catalog
from bot.messages import Incoming, Kind, Reply, split_text
from bot.storage import repo
from bot.storage.database import Database
from bot.storage.models import User

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def _kind(message: Message) -> Kind:
    if message.text is not None:
        return Kind.TEXT
    if message.sticker:
        return Kind.STICKER
    if message.photo:
        return Kind.PHOTO
    if message.voice or message.audio or message.video_note:
        return Kind.VOICE
    if message.location or message.venue:
        return Kind.LOCATION
    if message.document or message.video or message.animation:
        return Kind.FILE
    return Kind.OTHER


class TelegramChannel:
    """Converts Telegram updates for the dispatcher and sends its replies."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        dispatcher: Dispatcher,
        db: Database,
        texts: Catalog,
        staff_chat_id: int | None = None,
    ) -> None:
        self.application = application
        self.dispatcher = dispatcher
        self.db = db
        self.texts = texts
        self.staff_chat_id = staff_chat_id
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(
            ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        application.add_error_handler(self.on_error)

    @property
    def bot_username(self) -> str:
        return self.application.bot.username or ""

    async def register_commands(self) -> None:
        """The command menu in each language (and English by default)."""
        for lang in (None, *LANGUAGES):
            texts_lang = lang or "en"
            commands = [
                BotCommand(name, self.texts.get(texts_lang, f"cmd.{name}"))
                for name in ("start", "help", "language", "privacy")
            ]
            await self.application.bot.set_my_commands(commands, language_code=lang)

    def _addressed(self, message: Message) -> tuple[bool, str]:
        """In groups, answer only when mentioned, replied to, or commanded; text sans mention."""
        text = message.text or ""
        if message.chat.type == ChatType.PRIVATE:
            return True, text
        mention = f"@{self.bot_username}"
        if self.bot_username and mention.lower() in text.lower():
            start = text.lower().index(mention.lower())
            return True, (text[:start] + text[start + len(mention) :]).strip()
        reply = message.reply_to_message
        if reply and reply.from_user and reply.from_user.id == self.application.bot.id:
            return True, text
        return text.startswith("/"), text

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message: a command, text or media, from a private chat or a group."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or user.is_bot:
            return
        if self.staff_chat_id is not None and message.chat.id == self.staff_chat_id:
            await self._staff_reply(message)
            return
        addressed, text = self._addressed(message)
        if not addressed:
            return
        incoming = Incoming(
            CHANNEL,
            str(user.id),
            str(message.chat.id),
            _kind(message),
            text=text,
            update_id=str(update.update_id),
            language_hint=user.language_code,
            display_name=user.first_name,
        )
        outcome = await self.dispatcher.handle(incoming)
        await self.send(str(message.chat.id), outcome.replies)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline keyboard button was pressed."""
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as error:
            logger.info("answerCallbackQuery failed: %s", error)
        chat = query.message.chat.id if query.message else query.from_user.id
        incoming = Incoming(
            CHANNEL,
            str(query.from_user.id),
            str(chat),
            Kind.BUTTON,
            data=query.data or "",
            update_id=str(update.update_id),
            language_hint=query.from_user.language_code,
            display_name=query.from_user.first_name,
        )
        outcome = await self.dispatcher.handle(incoming)
        await self.send(str(chat), outcome.replies)

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The user blocked (kicked) or unblocked the bot."""
        change: ChatMemberUpdated | None = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        blocked = change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        async with self.db.session() as session:
            await repo.set_blocked(session, CHANNEL, str(change.from_user.id), blocked)
        logger.info("a user %s the bot", "blocked" if blocked else "unblocked")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("error while handling a Telegram update", exc_info=context.error)

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """Send replies; long texts split at 4,096 characters, buttons under the last piece."""
        try:
            for reply in replies:
                await self._send_one(chat_id, reply)
        except Forbidden:
            logger.info("a user has blocked the bot; marking them inactive")
            async with self.db.session() as session:
                await repo.set_blocked(session, CHANNEL, chat_id, True)

    async def _send_one(self, chat_id: str, reply: Reply) -> None:
        bot = self.application.bot
        markup = None
        if reply.buttons:
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                    for row in reply.button_rows()
                ]
            )
        if reply.image_url:
            await bot.send_photo(chat_id, reply.image_url)
        if reply.document_url:
            await bot.send_document(chat_id, reply.document_url)
        pieces = split_text(reply.text, MessageLimit.MAX_TEXT_LENGTH) or [""]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            await bot.send_message(chat_id, piece, reply_markup=markup if last else None)

    async def forward(self, user: User, text: str, language: str) -> tuple[str, str] | None:
        """Forward a user's question to the staff chat (the StaffDesk of actions)."""
        if self.staff_chat_id is None:
            return None
        header = f"🙋 {user.channel}:{user.external_id} ({language})"
        sent = await self.application.bot.send_message(
            self.staff_chat_id, f"{header}\n{text[:3500]}"
        )
        return str(self.staff_chat_id), str(sent.message_id)

    async def _staff_reply(self, message: Message) -> None:
        """A staff member replied to a forwarded question: pass the answer to the user."""
        reply_to = message.reply_to_message
        if reply_to is None or not message.text:
            return
        async with self.db.session() as session:
            user = await repo.handoff_user(session, str(message.chat.id), str(reply_to.message_id))
        if user is None:
            return
        lang = user.language if user.language in LANGUAGES else "en"
        text = self.texts.get(lang, "human.reply", text=message.text)
        sender = self.dispatcher.senders.get(user.channel)
        if sender is not None:
            await sender(user.chat_id, [Reply(text)])


def build_application(
    token: str, *, base_url: str | None = None, polling: bool = True, max_rate: float = 30.0
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A python-telegram-bot Application; no updater when updates come by webhook."""
    limiter = AIORateLimiter(overall_max_rate=max_rate, max_retries=3)
    builder = (
        ApplicationBuilder()
        .token(token)
        .rate_limiter(limiter)
        .concurrent_updates(256)
        .connection_pool_size(64)
    )
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_url.replace("/bot", "/file/bot"))
    if not polling:
        builder = builder.updater(None)
    return builder.build()
