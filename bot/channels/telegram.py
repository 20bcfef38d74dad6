"""Telegram (python-telegram-bot 22): updates in (polling or webhook), messages out.

`TelegramReceiver` turns updates into `Incoming` for the dispatcher (a staff member's YAML
document in the staff chat is downloaded into its `Attachment`, nobody else's);
`TelegramSender` sends deliveries for the outbox worker. Replies go through the application's bot (its AIORateLimiter
keeps within Telegram's limits); the bulk lane gets a bot of its own without it, paced by the
worker, so a 429 on a broadcast never halts the replies. A reply that names a message to edit
replaces it (editMessageText, with its new keyboard; "not modified" is success); one that can
no longer be edited (deleted, too old) is sent as a new message. Stored images are uploaded.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
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
from telegram.request import HTTPXRequest

from actions.base import StaffDesk
from bot.core.i18n import LANGUAGES, Catalog
from bot.core.messages import (
    COMMANDS,
    MAX_ATTACHMENT_BYTES,
    Attachment,
    Incoming,
    Kind,
    Reply,
    incoming_text,
    split_text,
)
from bot.core.ports import RateLimited, Recipient, RecipientBlocked, SendFailed
from bot.dispatcher import Dispatcher
from bot.storage import repo
from bot.storage.database import Database

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
TelegramApp = Application[Any, Any, Any, Any, Any, Any]


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


def _incoming(update: Update, user: User, chat_id: int, kind: Kind, **fields: Any) -> Incoming:
    return Incoming(
        CHANNEL,
        str(user.id),
        str(chat_id),
        kind,
        update_id=str(update.update_id),
        language_hint=user.language_code,
        display_name=user.first_name,
        **fields,
    )


class TelegramReceiver:
    """Converts Telegram updates for the dispatcher (the replies leave by the outbox)."""

    def __init__(
        self,
        application: TelegramApp,
        dispatcher: Dispatcher,
        db: Database,
        staff: StaffDesk | None = None,
        *,
        webhook: bool = False,
    ) -> None:
        self.application = application
        self.dispatcher = dispatcher
        self.db = db
        self.staff = staff or StaffDesk()
        # By webhook, a button press is answered in the webhook's response (webhook_answer):
        # one request to Telegram fewer per press.
        self.webhook = webhook
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(
            ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        application.add_error_handler(self.on_error)

    @property
    def bot_username(self) -> str:
        return self.application.bot.username or ""

    def _addressed(self, message: Message) -> tuple[bool, str]:
        """In groups, answer only when mentioned, replied to, or commanded; text sans mention."""
        text = message.text or ""
        staff_chat = self.staff.channel == CHANNEL and str(message.chat.id) == self.staff.chat_id
        if message.chat.type == ChatType.PRIVATE or staff_chat:
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
        """A message: a command, text or media, from a private chat, a group or the staff chat."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or user.is_bot:
            return
        addressed, text = self._addressed(message)
        if not addressed:
            return
        reply_to = message.reply_to_message
        incoming = _incoming(
            update,
            user,
            message.chat.id,
            _kind(message),
            text=incoming_text(text),
            reply_to=str(reply_to.message_id) if reply_to else None,
        )
        if message.document is not None:
            attachment = await self._attachment(message, incoming)
            incoming = dataclasses.replace(incoming, attachment=attachment)
        await self.dispatcher.handle(incoming)

    async def _attachment(self, message: Message, incoming: Incoming) -> Attachment:
        """The document's name and size; its content only when a staff member sent a YAML
        file within the size cap in the staff chat (anyone else's is never downloaded)."""
        document = message.document
        assert document is not None
        attachment = Attachment(document.file_name or "", document.file_size)
        if not (self.staff.is_staff_chat(incoming) and self.staff.is_member(incoming)):
            return attachment
        if attachment.problem() is not None:
            return attachment
        try:
            file = await document.get_file()
            content = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            # The error's type only: a download URL holds the bot's token.
            logger.warning("could not download a staff file (%s)", type(error).__name__)
            return attachment
        if len(content) > MAX_ATTACHMENT_BYTES:
            return Attachment(attachment.name, len(content))
        return Attachment(attachment.name, len(content), content)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline keyboard button was pressed."""
        query = update.callback_query
        if query is None:
            return
        if not self.webhook:
            try:
                await query.answer()
            except TelegramError as error:
                logger.info("answerCallbackQuery failed: %s", error)
        message = query.message  # the bot's message the button was on (None: inline mode)
        chat = message.chat.id if message else query.from_user.id
        await self.dispatcher.handle(
            _incoming(
                update,
                query.from_user,
                chat,
                Kind.BUTTON,
                data=query.data or "",
                button_message=str(message.message_id) if message else None,
            )
        )

    @staticmethod
    def webhook_answer(update: Update) -> dict[str, str] | None:
        """The Bot API call to return as the webhook's response: a button press's answer (stops
        its spinner), which Telegram makes for us, or None."""
        if update.callback_query is None:
            return None
        return {"method": "answerCallbackQuery", "callback_query_id": update.callback_query.id}

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


async def register_commands(bot: Bot, texts: Catalog) -> None:
    """The command menu in each language (and English by default)."""
    for lang in (None, *LANGUAGES):
        commands = [BotCommand(name, texts.get(lang or "en", f"cmd.{name}")) for name in COMMANDS]
        await bot.set_my_commands(commands, language_code=lang)


class TelegramSender:
    """Sends deliveries with one bot; Telegram errors become the outbox's SendFailed kinds."""

    max_recipients = 1

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, to: Recipient, replies: list[Reply], *, retry_key: str) -> list[str]:
        """Each reply in order: long texts split at 4,096 characters, buttons on the last piece."""
        sent: list[str] = []
        try:
            for reply in replies:
                sent += await self._send_one(to.chat_id, reply)
        except Forbidden as error:
            raise RecipientBlocked(f"telegram: {error.message}") from error
        except RetryAfter as error:
            seconds = error.retry_after
            wait = seconds if isinstance(seconds, int) else seconds.total_seconds()
            raise RateLimited("telegram: 429", float(wait)) from error
        except BadRequest as error:
            raise SendFailed(f"telegram: {error.message}", permanent=True) from error
        except TelegramError as error:
            raise SendFailed(f"telegram: {type(error).__name__}: {error.message}") from error
        return sent

    async def send_many(self, chat_ids: list[str], replies: list[Reply], *, retry_key: str) -> None:
        raise NotImplementedError("Telegram has no multicast")

    async def _send_one(self, chat_id: str, reply: Reply) -> list[str]:
        markup = _keyboard(reply)
        if reply.edit and _editable(reply):
            edited = await self._edit(chat_id, reply.edit, reply.text, markup)
            if edited:
                return [reply.edit]
        sent: list[Message] = []
        text = reply.text
        if reply.image_data is not None:
            photo = InputFile(reply.image_data, filename=f"image-{reply.image_file or 0}.png")
            if len(text) <= MessageLimit.CAPTION_LENGTH:  # the text as its caption
                message = await self.bot.send_photo(
                    chat_id, photo, caption=text or None, reply_markup=markup
                )
                return [str(message.message_id)]
            sent.append(await self.bot.send_photo(chat_id, photo))
        if reply.image_url:
            sent.append(await self.bot.send_photo(chat_id, reply.image_url))
        if reply.document_url:
            sent.append(await self.bot.send_document(chat_id, reply.document_url))
        pieces = split_text(text, MessageLimit.MAX_TEXT_LENGTH) or [""]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            sent.append(
                await self.bot.send_message(chat_id, piece, reply_markup=markup if last else None)
            )
        return [str(message.message_id) for message in sent]

    async def _edit(
        self, chat_id: str, message_id: str, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Replace a message's text and keyboard; False when it cannot be edited (deleted,
        too old, not the bot's): the caller sends a new message instead."""
        try:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=int(message_id), reply_markup=markup
            )
        except BadRequest as error:
            if "message is not modified" in error.message.lower():
                return True  # it already reads so (an edit repeated after a crash)
            logger.info("could not edit a message (%s); sending a new one", error.message)
            return False
        return True


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in reply.button_rows()
        ]
    )


def _editable(reply: Reply) -> bool:
    """A reply that can replace a text message: text alone, of one message's length."""
    media = reply.image_url or reply.document_url or reply.image_data is not None
    return (
        not media
        and len(reply.text.strip()) > 0
        and len(reply.text) <= MessageLimit.MAX_TEXT_LENGTH
        and bool(reply.edit and reply.edit.isdigit())
    )


def build_application(
    token: str,
    *,
    base_url: str | None = None,
    polling: bool = True,
    max_rate: float = 30.0,
    connections: int = 20,
) -> TelegramApp:
    """A python-telegram-bot Application; no updater when updates come by webhook.

    connections: its HTTP pool, at least the outbox's concurrent replies (a send never waits
    for a connection, which PTB would fail after pool_timeout) plus room for its own calls.
    """
    limiter = AIORateLimiter(overall_max_rate=max_rate, max_retries=3)
    builder = (
        ApplicationBuilder()
        .token(token)
        .rate_limiter(limiter)
        .concurrent_updates(256)
        .connection_pool_size(connections)
        .pool_timeout(10.0)
    )
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_url.replace("/bot", "/file/bot"))
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def build_bulk_bot(token: str, *, base_url: str | None = None, pool_size: int = 16) -> Bot:
    """A bot of its own for the bulk lane: no rate limiter (the worker paces it)."""
    request = HTTPXRequest(connection_pool_size=pool_size)
    if base_url:
        return Bot(
            token,
            base_url=base_url,
            base_file_url=base_url.replace("/bot", "/file/bot"),
            request=request,
        )
    return Bot(token, request=request)
