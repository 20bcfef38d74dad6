"""Stand-in of the LINE Messaging API for line-bot-sdk v3, plus webhook builders and signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict, Unpack

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .server import Changes, StandInServer

Json = dict[str, Any]
Accepted = tuple[int, Json, list[str]]  # status, response body, recipients
Handler = Callable[[Request, Json], Awaitable[Accepted]]

BOT_DESTINATION = "Udeadbeefdeadbeefdeadbeefdeadbeef"
AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
QUOTABLE = frozenset({"text", "textV2", "sticker", "image", "video"})
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class LineApiError(Exception):
    """An error answer of the Messaging API ({"message": ...})."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        details: list[Json] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        """Remember status, body and extra headers of the answer."""
        super().__init__(message)
        self.status = status
        self.body: Json = {"message": message, **extra}
        if details:
            self.body["details"] = details
        self.headers = headers or {}


def invalid(prop: str, message: str) -> LineApiError:
    """The 400 LINE answers for one invalid property of the request body."""
    details = [{"message": message, "property": prop}]
    return LineApiError(400, "The request body has 1 error(s)", details=details)


class LineStandIn(StandInServer):
    """LINE Messaging API stand-in; pass .host to linebot.v3.messaging.Configuration(host=...)."""

    def __init__(
        self,
        channel_access_token: str = "test-access-token",
        channel_secret: str = "test-channel-secret",
    ) -> None:
        """Create the stand-in for one channel."""
        self.channel_access_token = channel_access_token
        self.channel_secret = channel_secret
        self.reset()
        self._message_ids = itertools.count(530000000000000001)
        self._changes = Changes()
        routes = [
            self._route("/v2/bot/message/reply", self._reply),
            self._route("/v2/bot/message/push", self._push),
            self._route("/v2/bot/message/multicast", self._multicast),
            self._route("/v2/bot/chat/loading/start", self._loading),
            self._route("/v2/bot/profile/{user_id}", self._profile, "GET"),
            Route("/{path:path}", self._not_found, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
        super().__init__(Starlette(routes=routes))

    @property
    def host(self) -> str:
        """Value for Configuration(host=...)."""
        return self.url

    # ---- test controls -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget recordings, profiles, blocks, reply tokens, retry keys and rate limits."""
        self.profiles: dict[str, Json] = {}
        self.blocked_users: set[str] = set()
        self.received: list[Json] = []
        self.deliveries: list[tuple[str, Json]] = []
        self.undelivered: list[tuple[str, Json]] = []
        self._reply_tokens: dict[str, str | None] = {}
        self._retry_keys: dict[str, tuple[str, Json]] = {}
        self._rate_limited = 0

    def issue_reply_token(self, user_id: str | None = None, *, expired: bool = False) -> str:
        """A reply token for an event of `user_id` (an expired one is refused like LINE does)."""
        token = secrets.token_hex(16)
        if not expired:
            self._reply_tokens[token] = user_id
        return token

    def rate_limit_next(self, n: int) -> None:
        """Answer the next `n` reply/push/multicast requests with 429."""
        self._rate_limited = n

    def messages_to(self, user_id: str) -> list[Json]:
        """LINE message objects delivered to `user_id` (reply, push or multicast), in order."""
        return [message for to, message in self.deliveries if to == user_id]

    async def wait_for(self, predicate: Callable[[Json], bool], timeout: float = 10) -> Json:
        """Return the first .received item matching `predicate`, waiting for it if needed."""

        def find() -> Json | None:
            return next((item for item in self.received if predicate(item)), None)

        return await self._changes.until(find, timeout, f"received: {self.received!r}")

    # ---- HTTP ----------------------------------------------------------------------------

    def _route(self, path: str, handler: Handler, method: str = "POST") -> Route:
        """A route answering through _serve."""

        async def endpoint(request: Request) -> Response:
            return await self._serve(request, handler)

        return Route(path, endpoint, methods=[method])

    async def _serve(self, request: Request, handler: Handler) -> Response:
        """Authenticate, run `handler`, record the accepted request."""
        request_id = str(uuid.uuid4())
        headers = {"x-line-request-id": request_id}
        retry_key = request.headers.get("x-line-retry-key")
        try:
            if request.headers.get("authorization") != f"Bearer {self.channel_access_token}":
                raise LineApiError(401, AUTH_FAILED)
            body = await _json_body(request)
            if retry_key is not None:
                self._check_retry_key(retry_key)
            status, answer, recipients = await handler(request, body)
        except LineApiError as error:
            return JSONResponse(error.body, error.status, headers=headers | error.headers)
        if retry_key is not None:
            self._retry_keys[retry_key] = (request_id, answer)
        path = request.url.path
        record = {"path": path, "json": body or None, "retry_key": retry_key}
        self.received.append(record | {"request_id": request_id, "to": recipients})
        self._changes.notify()
        return JSONResponse(answer, status, headers=headers)

    async def _not_found(self, request: Request) -> Response:
        """Unknown endpoints."""
        return JSONResponse({"message": "Not found"}, 404)

    def _check_retry_key(self, retry_key: str) -> None:
        """Refuse malformed or already accepted X-Line-Retry-Key values."""
        try:
            uuid.UUID(retry_key)
        except ValueError:
            message = "The value for the 'X-Line-Retry-Key' header is invalid"
            raise LineApiError(400, message) from None
        if retry_key in self._retry_keys:
            request_id, answer = self._retry_keys[retry_key]
            headers = {"x-line-accepted-request-id": request_id}
            message = "The retry key is already accepted"
            raise LineApiError(409, message, headers=headers, **answer)

    def _check_send(self, messages: Any) -> None:
        """Apply the rate limit and validate the messages of a send request."""
        if self._rate_limited:
            self._rate_limited -= 1
            raise LineApiError(429, "Too many requests")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            raise invalid("messages", "Size must be between 1 and 5")
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or not message.get("type"):
                raise invalid(f"messages[{i}].type", "must be specified")
            if message["type"] == "text" and not message.get("text"):
                raise invalid(f"messages[{i}].text", "must be specified")
            if message["type"] == "text" and _utf16_len(message["text"]) > 5000:
                raise invalid(f"messages[{i}].text", "Length must be between 0 and 5000")
            if message["type"] == "flex":
                _check_flex(message, f"messages[{i}]")
            items = message.get("quickReply", {}).get("items", [])
            if len(items) > 13:
                raise invalid(f"messages[{i}].quickReply.items", "Size must be between 1 and 13")
            for j, item in enumerate(items):
                if _utf16_len(item.get("action", {}).get("label") or "") > 20:
                    prop = f"messages[{i}].quickReply.items[{j}].action.label"
                    raise invalid(prop, "Length must be between 0 and 20")

    def _deliver(self, recipients: list[str], messages: list[Json]) -> list[Json]:
        """Record delivery (or non-delivery to blocked users); return sentMessages."""
        for user_id in recipients:
            box = self.undelivered if user_id in self.blocked_users else self.deliveries
            box.extend((user_id, message) for message in messages)
        sent = []
        for message in messages:
            item = {"id": str(next(self._message_ids))}
            if message["type"] in QUOTABLE:
                item["quoteToken"] = secrets.token_urlsafe(24)
            sent.append(item)
        return sent

    # ---- endpoints -----------------------------------------------------------------------

    async def _reply(self, request: Request, body: Json) -> Accepted:
        """POST /v2/bot/message/reply (each reply token works once)."""
        self._check_send(body.get("messages"))
        token = body.get("replyToken")
        if token not in self._reply_tokens:
            raise LineApiError(400, "Invalid reply token")
        user_id = self._reply_tokens.pop(token)
        recipients = [user_id] if user_id else []
        return 200, {"sentMessages": self._deliver(recipients, body["messages"])}, recipients

    async def _push(self, request: Request, body: Json) -> Accepted:
        """POST /v2/bot/message/push."""
        self._check_send(body.get("messages"))
        if not body.get("to"):
            raise invalid("to", "must be specified")
        recipients = [str(body["to"])]
        return 200, {"sentMessages": self._deliver(recipients, body["messages"])}, recipients

    async def _multicast(self, request: Request, body: Json) -> Accepted:
        """POST /v2/bot/message/multicast (1 to 500 recipients)."""
        self._check_send(body.get("messages"))
        recipients = body.get("to")
        if not isinstance(recipients, list) or not 1 <= len(recipients) <= 500:
            raise invalid("to", "Size must be between 1 and 500")
        self._deliver(recipients, body["messages"])
        return 200, {}, recipients

    async def _loading(self, request: Request, body: Json) -> Accepted:
        """POST /v2/bot/chat/loading/start (loading animation)."""
        return 202, {}, [str(body.get("chatId"))]

    async def _profile(self, request: Request, body: Json) -> Accepted:
        """GET /v2/bot/profile/{userId} (friends only: unknown or blocked users are 404)."""
        user_id = request.path_params["user_id"]
        if user_id not in self.profiles or user_id in self.blocked_users:
            raise LineApiError(404, "Not found")
        return 200, {"userId": user_id, **self.profiles[user_id]}, []


# ---- Flex Messages (Messaging API reference: Flex Message, action objects) ---------------

FLEX_ALT_TEXT = 1500  # characters of altText (it was 400 until 2025)
FLEX_BUBBLES = 12  # bubbles in a carousel
BUBBLE_BYTES = 30 * 1024  # JSON size of one bubble
CAROUSEL_BYTES = 50 * 1024  # JSON size of one carousel
FLEX_LABEL = 40  # an action's label in a Flex Message
POSTBACK_DATA = 300
URI_LENGTH = 1000
IMAGE_URL_LENGTH = 2000
URI_SCHEMES = ("http://", "https://", "line://", "tel:")
COMPONENTS = {
    "horizontal": {"box", "button", "image", "text", "separator", "filler", "video"},
    "vertical": {"box", "button", "image", "text", "separator", "filler", "video"},
    "baseline": {"icon", "text", "filler"},
}


def _check_flex(message: Json, prop: str) -> None:
    """Refuse a Flex message LINE would refuse: its structure and limits."""
    alt = message.get("altText")
    if not isinstance(alt, str) or not alt:
        raise invalid(f"{prop}.altText", "must be specified")
    if _utf16_len(alt) > FLEX_ALT_TEXT:
        raise invalid(f"{prop}.altText", f"Length must be between 0 and {FLEX_ALT_TEXT}")
    container = message.get("contents")
    if not isinstance(container, dict):
        raise invalid(f"{prop}.contents", "must be specified")
    where = f"{prop}.contents"
    if container.get("type") == "bubble":
        _check_bubble(container, where)
    elif container.get("type") == "carousel":
        bubbles = container.get("contents")
        if not isinstance(bubbles, list) or not 1 <= len(bubbles) <= FLEX_BUBBLES:
            raise invalid(f"{where}.contents", f"Size must be between 1 and {FLEX_BUBBLES}")
        if _json_size(container) > CAROUSEL_BYTES:
            raise invalid(where, f"The carousel is larger than {CAROUSEL_BYTES // 1024} KB")
        for j, bubble in enumerate(bubbles):
            if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
                raise invalid(f"{where}.contents[{j}].type", "must be bubble")
            _check_bubble(bubble, f"{where}.contents[{j}]")
    else:
        raise invalid(f"{where}.type", "must be one of [bubble, carousel]")


def _check_bubble(bubble: Json, prop: str) -> None:
    if _json_size(bubble) > BUBBLE_BYTES:
        raise invalid(prop, f"The bubble is larger than {BUBBLE_BYTES // 1024} KB")
    for block in ("header", "body", "footer"):
        if block in bubble:
            if not isinstance(bubble[block], dict) or bubble[block].get("type") != "box":
                raise invalid(f"{prop}.{block}.type", "must be box")
            _check_component(bubble[block], f"{prop}.{block}", "vertical")
    if "hero" in bubble:
        hero = bubble["hero"]
        if not isinstance(hero, dict) or hero.get("type") not in {"box", "image", "video"}:
            raise invalid(f"{prop}.hero.type", "must be one of [box, image, video]")
        _check_component(hero, f"{prop}.hero", "vertical")
    if "action" in bubble:
        _check_action(bubble["action"], f"{prop}.action", label_required=False)


def _check_component(component: Json, prop: str, parent_layout: str) -> None:
    kind = component.get("type")
    if kind not in COMPONENTS[parent_layout]:
        raise invalid(f"{prop}.type", f"must be one of {sorted(COMPONENTS[parent_layout])}")
    if kind == "box":
        layout = component.get("layout")
        if layout not in COMPONENTS:
            raise invalid(f"{prop}.layout", "must be one of [horizontal, vertical, baseline]")
        children = component.get("contents")
        if not isinstance(children, list):
            raise invalid(f"{prop}.contents", "must be specified")
        for j, child in enumerate(children):
            if not isinstance(child, dict):
                raise invalid(f"{prop}.contents[{j}]", "must be an object")
            _check_component(child, f"{prop}.contents[{j}]", layout)
    elif kind == "text":
        spans = component.get("contents")
        if not component.get("text") and not spans:
            raise invalid(f"{prop}.text", "must be specified")
        if component.get("weight") not in (None, "regular", "bold"):
            raise invalid(f"{prop}.weight", "must be one of [regular, bold]")
    elif kind == "button":
        if component.get("style") not in (None, "primary", "secondary", "link"):
            raise invalid(f"{prop}.style", "must be one of [primary, secondary, link]")
        if component.get("height") not in (None, "sm", "md"):
            raise invalid(f"{prop}.height", "must be one of [sm, md]")
        if "action" not in component:
            raise invalid(f"{prop}.action", "must be specified")
        _check_action(component["action"], f"{prop}.action", label_required=True)
        return
    elif kind in {"image", "icon"}:
        url = component.get("url")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise invalid(f"{prop}.url", "must be an HTTPS URL")
        if len(url) > IMAGE_URL_LENGTH:
            raise invalid(f"{prop}.url", f"Length must be between 0 and {IMAGE_URL_LENGTH}")
    if "action" in component:
        _check_action(component["action"], f"{prop}.action", label_required=False)


def _check_action(action: Any, prop: str, *, label_required: bool) -> None:
    """An action object of a Flex Message (label: required on buttons, at most 40)."""
    if not isinstance(action, dict):
        raise invalid(prop, "must be an object")
    label = action.get("label")
    if label_required and not label:
        raise invalid(f"{prop}.label", "must be specified")
    if label is not None and _utf16_len(str(label)) > FLEX_LABEL:
        raise invalid(f"{prop}.label", f"Length must be between 0 and {FLEX_LABEL}")
    kind = action.get("type")
    if kind == "postback":
        data = action.get("data")
        if not isinstance(data, str) or not data:
            raise invalid(f"{prop}.data", "must be specified")
        if _utf16_len(data) > POSTBACK_DATA:
            raise invalid(f"{prop}.data", f"Length must be between 0 and {POSTBACK_DATA}")
        for key in ("displayText", "text"):
            if _utf16_len(str(action.get(key) or "")) > POSTBACK_DATA:
                raise invalid(f"{prop}.{key}", f"Length must be between 0 and {POSTBACK_DATA}")
        if action.get("displayText") and action.get("text"):
            raise invalid(f"{prop}.displayText", "displayText and text cannot both be set")
    elif kind == "uri":
        uri = action.get("uri")
        if not isinstance(uri, str) or not uri.startswith(URI_SCHEMES):
            raise invalid(f"{prop}.uri", "must be an http, https, line or tel URI")
        if len(uri) > URI_LENGTH:
            raise invalid(f"{prop}.uri", f"Length must be between 0 and {URI_LENGTH}")
    elif kind == "message":
        text = action.get("text")
        if not isinstance(text, str) or not text or _utf16_len(text) > POSTBACK_DATA:
            raise invalid(f"{prop}.text", f"Length must be between 1 and {POSTBACK_DATA}")
    elif kind not in {"datetimepicker", "clipboard", "camera", "cameraRoll", "location"}:
        raise invalid(f"{prop}.type", "is not a valid action type")


def _json_size(value: Json) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


async def _json_body(request: Request) -> Json:
    """The JSON object of a POST request ({} for GET)."""
    if request.method != "POST":
        return {}
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise LineApiError(400, "The request body could not be parsed as JSON") from None
    if not isinstance(body, dict):
        raise LineApiError(400, "The request body could not be parsed as JSON")
    return body


# ---- webhooks ----------------------------------------------------------------------------


class Delivery(TypedDict, total=False):
    """Optional fields common to the webhook event builders."""

    webhook_event_id: str
    redelivery: bool
    timestamp: int
    group_id: str


def sign(body: bytes, channel_secret: str) -> str:
    """The x-line-signature LINE sends with `body`: base64 of HMAC-SHA256 by channel secret."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_body(events: list[Json], destination: str = BOT_DESTINATION) -> bytes:
    """The request body of a webhook delivery, as LINE sends it."""
    return json.dumps({"destination": destination, "events": events}, ensure_ascii=False).encode()


def user_id_for(name: str) -> str:
    """A stable, well-formed LINE user id (U + 32 hex digits) for a test user name."""
    return "U" + hashlib.md5(name.encode()).hexdigest()


def text_event(user_id: str, text: str, *, reply_token: str, **common: Unpack[Delivery]) -> Json:
    """A message event with a text message."""
    message = {"id": _message_id(), "type": "text", "quoteToken": _quote_token(), "text": text}
    return _event("message", user_id, common, replyToken=reply_token, message=message)


def sticker_event(
    user_id: str,
    *,
    reply_token: str,
    package_id: str = "446",
    sticker_id: str = "1988",
    resource_type: str = "STATIC",
    **common: Unpack[Delivery],
) -> Json:
    """A message event with a sticker."""
    message = {"id": _message_id(), "type": "sticker", "quoteToken": _quote_token()}
    message |= {"packageId": package_id, "stickerId": sticker_id}
    message["stickerResourceType"] = resource_type
    return _event("message", user_id, common, replyToken=reply_token, message=message)


def postback_event(
    user_id: str,
    data: str,
    *,
    reply_token: str,
    params: dict[str, str] | None = None,
    **common: Unpack[Delivery],
) -> Json:
    """A postback event (button with a postback action)."""
    postback: Json = {"data": data} | ({"params": params} if params else {})
    return _event("postback", user_id, common, replyToken=reply_token, postback=postback)


def follow_event(
    user_id: str, *, reply_token: str, is_unblocked: bool = False, **common: Unpack[Delivery]
) -> Json:
    """A follow event (friend added, or unblocked when is_unblocked)."""
    follow = {"isUnblocked": is_unblocked}
    return _event("follow", user_id, common, replyToken=reply_token, follow=follow)


def unfollow_event(user_id: str, **common: Unpack[Delivery]) -> Json:
    """An unfollow event (the user blocked the account); it has no reply token."""
    return _event("unfollow", user_id, common)


def _event(kind: str, user_id: str, common: Delivery, **fields: Any) -> Json:
    """Fields every webhook event has."""
    source = {"type": "user", "userId": user_id}
    if "group_id" in common:
        source = {"type": "group", "groupId": common["group_id"], "userId": user_id}
    return {
        "type": kind,
        "mode": "active",
        "timestamp": common.get("timestamp") or int(time.time() * 1000),
        "source": source,
        "webhookEventId": common.get("webhook_event_id") or _ulid(),
        "deliveryContext": {"isRedelivery": common.get("redelivery", False)},
        **fields,
    }


def _ulid() -> str:
    """A new ULID (the format of webhookEventId)."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def _message_id() -> str:
    """A message id like LINE's (a numeric string)."""
    return str(secrets.randbelow(10**17) + 5 * 10**17)


def _quote_token() -> str:
    """A quote token like LINE's."""
    return secrets.token_urlsafe(64)


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as LINE counts text limits."""
    return len(text.encode("utf-16-le")) // 2
