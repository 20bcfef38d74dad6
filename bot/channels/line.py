"""LINE (line-bot-sdk v3, async): signed webhook, reply token when fresh, push otherwise."""

from __future__ import annotations

import asyncio
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
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
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

from bot.dispatcher import Dispatcher
from bot.messages import Incoming, Kind, Reply, split_text
from bot.storage import repo
from bot.storage.database import Database

logger = logging.getLogger(__name__)

CHANNEL = "line"
MAX_TEXT = 5000  # characters in one LINE text message
MAX_MESSAGES = 5  # messages in one reply or push request
MAX_QUICK_REPLIES = 13
REPLY_TOKEN_SECONDS = 50  # a reply token is valid for about a minute


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


def clip(text: str, limit: int) -> str:
    """text cut to at most limit UTF-16 code units (how LINE counts), ending in "…" if cut."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    units = 0
    for i, char in enumerate(text):
        units += len(char.encode("utf-16-le")) // 2
        if units > limit - 1:
            return text[:i].rstrip() + "…"
    return text


def _to_line(reply: Reply) -> list[ImageMessage | TextMessage]:
    messages: list[ImageMessage | TextMessage] = []
    if reply.image_url:
        messages.append(
            ImageMessage(original_content_url=reply.image_url, preview_image_url=reply.image_url)
        )
    pieces = split_text(reply.text, MAX_TEXT) or [""]
    quick_reply = None
    if reply.buttons:
        quick_reply = QuickReply(
            items=[
                QuickReplyItem(
                    action=PostbackAction(
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


class LineChannel:
    """Parses signed LINE webhooks for the dispatcher and sends its replies."""

    def __init__(
        self,
        channel_secret: str,
        access_token: str,
        dispatcher: Dispatcher,
        db: Database,
        *,
        host: str | None = None,
    ) -> None:
        self.parser = WebhookParser(channel_secret)
        configuration = (
            Configuration(host=host, access_token=access_token)
            if host
            else Configuration(access_token=access_token)
        )
        self.api_client = AsyncApiClient(configuration)
        self.api = AsyncMessagingApi(self.api_client)
        self.dispatcher = dispatcher
        self.db = db
        self._profile_languages: dict[str, str | None] = {}

    async def close(self) -> None:
        await self.api_client.close()

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
        base = {"update_id": event.webhook_event_id, "language_hint": hint}
        if isinstance(event, MessageEvent):
            kind = next(
                (k for cls, k in _CONTENT_KINDS if isinstance(event.message, cls)), Kind.OTHER
            )
            text = event.message.text if isinstance(event.message, TextMessageContent) else ""
            return Incoming(CHANNEL, user_id, user_id, kind, text=text, **base)
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
        if incoming is None:
            return
        outcome = await self.dispatcher.handle(incoming)
        if not outcome.replies:
            return
        token = getattr(event, "reply_token", None)
        redelivered = bool(event.delivery_context and event.delivery_context.is_redelivery)
        fresh = time.time() - event.timestamp / 1000 < REPLY_TOKEN_SECONDS
        if token and fresh and not redelivered:
            try:
                await self._reply(token, outcome.replies)
                return
            except ApiException as error:
                logger.info("LINE reply failed (%s); pushing instead", error.status)
        await self.send(user_id, outcome.replies)

    async def _reply(self, token: str, replies: list[Reply]) -> None:
        messages = [m for r in replies for m in _to_line(r)]
        if len(messages) > MAX_MESSAGES:
            raise ApiException(status=400, reason="too many messages for one reply")
        await self.api.reply_message(ReplyMessageRequest(reply_token=token, messages=messages))

    async def send(self, user_id: str, replies: list[Reply]) -> None:
        """Push replies, five messages a request, each request with its own retry key."""
        messages = [m for r in replies for m in _to_line(r)]
        for start in range(0, len(messages), MAX_MESSAGES):
            request = PushMessageRequest(
                to=user_id, messages=messages[start : start + MAX_MESSAGES]
            )
            retry_key = str(uuid.uuid4())
            for attempt in range(3):
                try:
                    await self.api.push_message(request, x_line_retry_key=retry_key)
                    break
                except ApiException as error:
                    if error.status == 409:  # accepted earlier under the same retry key
                        break
                    if error.status not in (429, 500, 502, 503) or attempt == 2:
                        raise
                    await asyncio.sleep(2**attempt)
