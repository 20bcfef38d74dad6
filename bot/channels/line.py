"""LINE (line-bot-sdk v3, async): signed webhooks in, messages out.

`LineReceiver` turns webhook events into `Incoming` (with the reply token) for the dispatcher;
`LineSender` sends deliveries: by reply token while it is fresh, by push otherwise, and identical
content to many people by multicast, always with the delivery's retry key (409 = sent before).
LINE cannot edit a message: a reply meant to replace one is sent as a new message.
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid

from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ImageMessage,
    Message,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
    URIAction,
)
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    VideoMessageContent,
)

from bot.channels.line_flex import clip, flex_messages
from bot.core.messages import Incoming, Kind, Reply, incoming_text, split_text
from bot.core.ports import RateLimited, Recipient, SendFailed
from bot.dispatcher import Dispatcher
from bot.storage import repo
from bot.storage.database import Database

logger = logging.getLogger(__name__)

CHANNEL = "line"
MAX_TEXT = 5000  # characters in one LINE text message
MAX_MESSAGES = 5  # messages in one reply or push request
MAX_QUICK_REPLIES = 13
MAX_MULTICAST = 500  # recipients in one multicast request
REPLY_TOKEN_SECONDS = 50  # a reply token is valid for about a minute after its event


class BadSignature(ValueError):
    """The X-Line-Signature header is missing or does not match the body."""


_CONTENT_KINDS = (
    (TextMessageContent, Kind.TEXT),
    (StickerMessageContent, Kind.STICKER),
    (ImageMessageContent, Kind.PHOTO),
    (AudioMessageContent, Kind.VOICE),
    (LocationMessageContent, Kind.LOCATION),
    (FileMessageContent, Kind.FILE),
    (VideoMessageContent, Kind.FILE),
)


def _to_line(reply: Reply) -> list[Message]:
    messages: list[Message] = []
    if reply.image_url:
        messages.append(
            ImageMessage(original_content_url=reply.image_url, preview_image_url=reply.image_url)
        )
    text = reply.text
    if reply.document_url:  # LINE bots cannot send files: the link instead
        text = f"{text}\n📎 {reply.document_url}".strip()
    if reply.image_file is not None and not text.strip():
        return messages  # an upload (LINE takes images by HTTPS URL only): its text alone, if any
    pieces = split_text(text, MAX_TEXT) or [""]
    quick_reply = None
    if reply.buttons:
        quick_reply = QuickReply(
            items=[
                QuickReplyItem(
                    action=URIAction(label=clip(b.label, 20), uri=b.url)
                    if b.url
                    else PostbackAction(
                        label=clip(b.label, 20), data=b.data, display_text=clip(b.label, 300)
                    )
                )
                for b in reply.buttons[:MAX_QUICK_REPLIES]
            ]
        )
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        messages.append(TextMessage(text=piece, quick_reply=quick_reply if last else None))
    return messages


def line_messages(replies: list[Reply]) -> list[Message]:
    """The LINE messages of replies: consecutive cards as Flex messages, the rest as text."""
    messages: list[Message] = []
    for is_card, run in itertools.groupby(replies, key=lambda reply: reply.card):
        if is_card:
            messages += flex_messages(list(run))
        else:
            messages += [message for reply in run for message in _to_line(reply)]
    return messages


class LineReceiver:
    """Parses signed LINE webhooks into `Incoming` for the dispatcher."""

    def __init__(
        self,
        parser: WebhookParser,
        api: AsyncMessagingApi,
        dispatcher: Dispatcher,
        db: Database,
    ) -> None:
        self.parser = parser
        self.api = api
        self.dispatcher = dispatcher
        self.db = db
        self._profile_languages: dict[str, str | None] = {}

    def parse(self, body: str, signature: str | None) -> list[Event]:
        """The events of a webhook body; BadSignature unless signed with the channel secret."""
        if not signature:
            raise BadSignature("missing X-Line-Signature")
        try:
            events: list[Event] = self.parser.parse(body, signature)
        except InvalidSignatureError as error:
            raise BadSignature("invalid X-Line-Signature") from error
        return events

    async def handle_events(self, events: list[Event]) -> None:
        """Handle each event; one failing event does not stop the others."""
        for event in events:
            try:
                await self._handle(event)
            except Exception:
                logger.exception("failed to handle a LINE %s event", event.type)

    async def _language_hint(self, user_id: str) -> str | None:
        if user_id not in self._profile_languages:
            try:
                profile = await self.api.get_profile(user_id)
                self._profile_languages[user_id] = profile.language
            except ApiException as error:
                logger.info("LINE profile unavailable (%s)", error.status)
                self._profile_languages[user_id] = None
        return self._profile_languages[user_id]

    def _incoming(self, event: Event, user_id: str, hint: str | None) -> Incoming | None:
        redelivered = bool(event.delivery_context and event.delivery_context.is_redelivery)
        stale = time.time() - event.timestamp / 1000 > REPLY_TOKEN_SECONDS
        token = None if redelivered or stale else getattr(event, "reply_token", None)
        base = {"update_id": event.webhook_event_id, "language_hint": hint, "reply_token": token}
        if isinstance(event, MessageEvent):
            kind = next(
                (k for cls, k in _CONTENT_KINDS if isinstance(event.message, cls)), Kind.OTHER
            )
            text = event.message.text if isinstance(event.message, TextMessageContent) else ""
            return Incoming(CHANNEL, user_id, user_id, kind, text=incoming_text(text), **base)
        if isinstance(event, PostbackEvent):
            return Incoming(
                CHANNEL, user_id, user_id, Kind.BUTTON, data=event.postback.data, **base
            )
        if isinstance(event, FollowEvent):
            return Incoming(CHANNEL, user_id, user_id, Kind.START, **base)
        return None

    async def _handle(self, event: Event) -> None:
        source = event.source
        user_id = getattr(source, "user_id", None)
        if user_id is None or getattr(source, "type", "user") != "user":
            return  # groups and rooms: not served
        if isinstance(event, UnfollowEvent):
            async with self.db.session() as session:
                await repo.set_blocked(session, CHANNEL, user_id, True)
            return
        incoming = self._incoming(event, user_id, await self._language_hint(user_id))
        if incoming is not None:
            await self.dispatcher.handle(incoming)


def _chunk_key(retry_key: str, index: int) -> str:
    """The retry key of the index-th request of one delivery (the first uses the key itself)."""
    return retry_key if index == 0 else str(uuid.uuid5(uuid.UUID(retry_key), str(index)))


def _failure(error: ApiException) -> SendFailed:
    if error.status == 429:
        return RateLimited("line: 429", 1.0)
    permanent = error.status is not None and 400 <= error.status < 500
    return SendFailed(f"line: {error.status} {error.reason}", permanent=permanent)


class LineSender:
    """Sends deliveries on LINE: reply token while fresh, push, multicast; retry keys kept."""

    max_recipients = MAX_MULTICAST

    def __init__(self, api: AsyncMessagingApi) -> None:
        self.api = api

    async def send(self, to: Recipient, replies: list[Reply], *, retry_key: str) -> list[str]:
        messages = line_messages(replies)
        if not messages:
            return []
        if to.reply_token and len(messages) <= MAX_MESSAGES:
            try:
                await self.api.reply_message(
                    ReplyMessageRequest(reply_token=to.reply_token, messages=messages)
                )
                return []
            except ApiException as error:
                logger.info("LINE reply failed (%s); pushing instead", error.status)
        for index, start in enumerate(range(0, len(messages), MAX_MESSAGES)):
            request = PushMessageRequest(
                to=to.chat_id, messages=messages[start : start + MAX_MESSAGES]
            )
            try:
                await self.api.push_message(request, x_line_retry_key=_chunk_key(retry_key, index))
            except ApiException as error:
                if error.status != 409:  # 409: accepted before under this retry key
                    raise _failure(error) from error
        return []

    async def send_many(self, chat_ids: list[str], replies: list[Reply], *, retry_key: str) -> None:
        messages = line_messages(replies)
        for index, start in enumerate(range(0, len(messages), MAX_MESSAGES)):
            request = MulticastRequest(to=chat_ids, messages=messages[start : start + MAX_MESSAGES])
            try:
                await self.api.multicast(request, x_line_retry_key=_chunk_key(retry_key, index))
            except ApiException as error:
                if error.status != 409:
                    raise _failure(error) from error


def build_api(
    access_token: str, host: str | None = None
) -> tuple[AsyncApiClient, AsyncMessagingApi]:
    """The Messaging API client (close the first when done)."""
    configuration = (
        Configuration(host=host, access_token=access_token)
        if host
        else Configuration(access_token=access_token)
    )
    client = AsyncApiClient(configuration)
    return client, AsyncMessagingApi(client)
