"""Stand-in of the Telegram Bot API, for python-telegram-bot pointed at 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .server import Changes, StandInServer

Json = dict[str, Any]
Handler = Callable[[Json], Awaitable[Any]]

DEFAULT_GROUP_USER_ID = 424242
MAX_DOWNLOAD = 20 * 1024 * 1024  # bots can download files of up to 20 MB
# Parameters that PTB sends as raw strings; every other form value is JSON-encoded.
STRING_PARAMS = frozenset(
    {"text", "caption", "parse_mode", "language_code", "url", "secret_token", "ip_address",
     "action", "callback_query_id", "inline_message_id", "business_connection_id",
     "message_effect_id", "emoji", "title", "name", "description", "short_description",
     "photo", "document", "audio", "voice", "video", "animation", "sticker", "file_id"}
)  # fmt: skip
HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
     "tg-emoji", "code", "pre", "blockquote"}
)  # fmt: skip
# Bots edit their messages in private chats and groups for 48 hours (channels: no limit).
EDIT_WINDOW = 48 * 3600
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a content and reply markup of the current message"
)


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    filename: str
    content_type: str
    content: bytes


class TelegramApiError(Exception):
    """An error answer of the Bot API ({"ok": false, ...})."""

    def __init__(self, code: int, description: str, parameters: Json | None = None) -> None:
        """Remember the error code, description and optional parameters."""
        super().__init__(description)
        self.body: Json = {"ok": False, "error_code": code, "description": description}
        if parameters:
            self.body["parameters"] = parameters


class Sender(TypedDict, total=False):
    """Who sends an incoming update (keyword arguments of the update builders)."""

    user_id: int
    language_code: str
    chat_type: str
    first_name: str


class MessageSender(Sender, total=False):
    """Sender of an incoming message, optionally with its message_id."""

    message_id: int


class TelegramStandIn(StandInServer):
    """Telegram Bot API stand-in; pass .base_url / .base_file_url to python-telegram-bot."""

    def __init__(self, token: str = "123456:TEST-TOKEN", *, long_poll_cap: float = 2.0) -> None:
        """Create the stand-in; getUpdates long-polls at most `long_poll_cap` seconds."""
        self.token = token
        self.long_poll_cap = long_poll_cap
        self.bot_user: Json = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "GLM Test Bot",
            "username": "glm_test_bot",
        }
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._poll_generation = 0
        self.reset()
        self._closing = False
        self._changes = Changes()
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "answerCallbackQuery": self._answer_callback_query,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "sendChatAction": self._true,
                "getFile": self._get_file,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }
        routes = [
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
        ]
        super().__init__(Starlette(routes=routes))

    @property
    def base_url(self) -> str:
        """Value for PTB's base_url (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's base_file_url (PTB appends the token)."""
        return f"{self.url}/file/bot"

    async def stop(self) -> None:
        """End pending long-polls, then stop the server."""
        self._closing = True
        self._changes.notify()
        await super().stop()
        self._closing = False

    # ---- test controls -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget all recordings, queued updates, commands, blocks and rate limits."""
        self.calls: list[tuple[str, Json]] = []
        self.sent: list[Json] = []
        self.sent_at: list[float] = []  # time.monotonic() of each .sent item
        self.commands: dict[str, list[Json]] = {}
        self.scoped_commands: dict[tuple[str, str], list[Json]] = {}
        self.blocked_chats: set[int] = set()
        self.missing_chats: set[int] = set()  # deleted accounts: "chat not found"
        self.updates: list[Json] = []
        self.messages: dict[tuple[int | str, int], Json] = {}
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []  # file_ids of the files the bot downloaded, in order
        self.webhook_url = ""
        self.allowed_updates: list[str] = []
        self._callback_ids: set[str] = set()  # made and not answered yet
        self._made_callback_ids: set[str] = set()
        self._rate_limited = 0
        self._retry_after = 1
        self._rate_limit_methods: frozenset[str] | None = None
        self.send_delay = 0.0  # seconds each send* call takes to answer (a slow Bot API)

    def push_update(self, update: Json) -> Json:
        """Queue an update for getUpdates (update_id assigned if missing) and return it."""
        update.setdefault("update_id", next(self._update_ids))
        member = update.get("my_chat_member")
        if member and member["chat"]["type"] == "private":
            if member["new_chat_member"]["status"] == "kicked":
                self.blocked_chats.add(member["chat"]["id"])
            else:
                self.blocked_chats.discard(member["chat"]["id"])
        self.updates.append(update)
        self._changes.notify()
        return update

    def rate_limit_next(
        self, n: int, retry_after: int = 1, methods: set[str] | None = None
    ) -> None:
        """Answer the next `n` send* calls (or calls of `methods`) with 429 Too Many Requests."""
        self._rate_limited = n
        self._retry_after = retry_after
        self._rate_limit_methods = frozenset(methods) if methods is not None else None

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """The user deleted a bot message in their chat (editing it is "not found" then)."""
        self.messages.pop((chat_id, message_id), None)

    def age_message(self, chat_id: int, message_id: int, seconds: float) -> None:
        """Make a bot message `seconds` older (past 48 hours it can no longer be edited)."""
        self.messages[(chat_id, message_id)]["date"] -= int(seconds)

    def calls_to(self, method: str) -> list[Json]:
        """Params of every call of `method` (any outcome), in order."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    async def sent_more(self, timeout: float) -> None:
        """Return once something more is sent (or after timeout seconds)."""
        await self._changes.wait(timeout)

    async def wait_for(self, predicate: Callable[[Json], bool], timeout: float = 10) -> Json:
        """Return the first .sent item matching `predicate`, waiting for it if needed."""

        def find() -> Json | None:
            return next((item for item in self.sent if predicate(item)), None)

        return await self._changes.until(find, timeout, f"sent so far: {self.sent!r}")

    # ---- update builders -----------------------------------------------------------------

    def text_update(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str = "en",
        chat_type: str = "private",
        first_name: str = "Test",
        message_id: int | None = None,
        entities: list[Json] | None = None,
        reply_to: int | Json | None = None,
    ) -> Json:
        """Update with a text message; /commands get their bot_command entity automatically."""
        sender = MessageSender(
            language_code=language_code, chat_type=chat_type, first_name=first_name
        )
        if user_id is not None:
            sender["user_id"] = user_id
        if message_id is not None:
            sender["message_id"] = message_id
        content: Json = {"text": text}
        entities = _command_entities(text) if entities is None else entities
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = (
                reply_to if isinstance(reply_to, dict) else self._stored(chat_id, reply_to)
            )
        return self._message_update(chat_id, sender, content)

    def callback_update(
        self, chat_id: int, data: str, *, message_id: int, **sender: Unpack[Sender]
    ) -> Json:
        """Update with a callback query from an inline button of bot message `message_id`."""
        query_id = str(next(self._ids) * 7919)
        self._callback_ids.add(query_id)
        self._made_callback_ids.add(query_id)
        query = {
            "id": query_id,
            "from": self._user(chat_id, sender),
            "message": self._stored(chat_id, message_id),
            "chat_instance": f"-{abs(chat_id)}42",
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def sticker_update(
        self, chat_id: int, *, emoji: str = "👍", **sender: Unpack[MessageSender]
    ) -> Json:
        """Update with a regular sticker message."""
        file = self._new_file(b"RIFF-webp-sticker")
        sticker = {**file, "type": "regular", "width": 512, "height": 512, "emoji": emoji}
        sticker |= {"is_animated": False, "is_video": False}
        return self._message_update(chat_id, sender, {"sticker": sticker})

    def photo_update(
        self,
        chat_id: int,
        *,
        caption: str | None = None,
        content: bytes = b"\xff\xd8\xff-jpeg",
        **sender: Unpack[MessageSender],
    ) -> Json:
        """Update with a photo (downloadable through getFile) and optional caption."""
        message: Json = {"photo": _photo_sizes(self._new_file(content))}
        if caption is not None:
            message["caption"] = caption
        return self._message_update(chat_id, sender, message)

    def voice_update(
        self,
        chat_id: int,
        *,
        duration: int = 3,
        content: bytes = b"OggS-opus-voice",
        **sender: Unpack[MessageSender],
    ) -> Json:
        """Update with a voice message (downloadable through getFile)."""
        voice = {**self._new_file(content), "duration": duration, "mime_type": "audio/ogg"}
        return self._message_update(chat_id, sender, {"voice": voice})

    def document_update(
        self,
        chat_id: int,
        file_name: str,
        content: bytes,
        *,
        mime_type: str = "application/x-yaml",
        caption: str | None = None,
        **sender: Unpack[MessageSender],
    ) -> Json:
        """Update with a document (a file sent as a file; downloadable through getFile)."""
        document = {**self._new_file(content), "file_name": file_name, "mime_type": mime_type}
        message: Json = {"document": document}
        if caption is not None:
            message["caption"] = caption
        return self._message_update(chat_id, sender, message)

    def location_update(
        self, chat_id: int, latitude: float, longitude: float, **sender: Unpack[MessageSender]
    ) -> Json:
        """Update with a shared location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._message_update(chat_id, sender, {"location": location})

    def my_chat_member_update(
        self, chat_id: int, old_status: str, new_status: str, **sender: Unpack[Sender]
    ) -> Json:
        """Update telling that the bot's status changed (e.g. "member" -> "kicked": blocked)."""
        chat_type = sender.get("chat_type", "private")
        change = {
            "chat": _chat(chat_id, chat_type, sender.get("first_name", "Test")),
            "from": self._user(chat_id, sender),
            "date": int(time.time()),
            "old_chat_member": self._member(old_status),
            "new_chat_member": self._member(new_status),
        }
        return {"update_id": next(self._update_ids), "my_chat_member": change}

    # ---- HTTP ----------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        """Answer one Bot API call."""
        method = request.path_params["method"]
        params = await _read_params(request)
        self.calls.append((method, params))
        try:
            if request.path_params["token"] != self.token:
                raise TelegramApiError(401, "Unauthorized")
            name, handler = self._methods.get(method.lower()) or ("", None)
            if handler is None:
                raise TelegramApiError(404, "Not Found")
            if name.startswith(("send", "edit")):
                self._check_send(name, params)
                if self.send_delay:
                    await asyncio.sleep(self.send_delay)
            result = await handler(params)
        except TelegramApiError as error:
            return JSONResponse(error.body, status_code=error.body["error_code"])
        if name in {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}:
            self.sent.append({**params, "method": name, "result": result})
            self.sent_at.append(time.monotonic())
            self._changes.notify()
        return JSONResponse({"ok": True, "result": result})

    def answered(self, query_id: str) -> bool:
        """Whether a callback query made by callback_update was answered."""
        return query_id in self._made_callback_ids and query_id not in self._callback_ids

    async def webhook_response(self, status: int, body: bytes) -> None:
        """What Telegram does with a bot's answer to a webhook: a 2xx JSON body naming a
        `method` is that Bot API call, made for the bot (its result is not returned)."""
        if not 200 <= status < 300 or not body:
            return
        params = json.loads(body)
        if not isinstance(params, dict) or "method" not in params:
            return
        method = str(params.pop("method"))
        self.calls.append((method, params))
        _, handler = self._methods.get(method.lower()) or ("", None)
        if handler is not None:
            with contextlib.suppress(TelegramApiError):
                await handler(params)

    async def _download(self, request: Request) -> Response:
        """Serve the content of a file obtained through getFile."""
        file_id = request.path_params["file_path"].removeprefix("files/")
        if request.path_params["token"] != self.token or file_id not in self.files:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        self.downloads.append(file_id)
        return Response(self.files[file_id], media_type="application/octet-stream")

    def _check_send(self, method: str, params: Json) -> None:
        """Apply the rate limit and blocked chats to a send*/edit* call."""
        limited = self._rate_limit_methods
        if self._rate_limited and (
            method in limited if limited is not None else method.startswith("send")
        ):
            self._rate_limited -= 1
            after = self._retry_after
            raise TelegramApiError(
                429, f"Too Many Requests: retry after {after}", {"retry_after": after}
            )
        if params.get("chat_id") in self.blocked_chats:
            raise TelegramApiError(403, "Forbidden: bot was blocked by the user")
        if params.get("chat_id") in self.missing_chats:
            raise TelegramApiError(400, "Bad Request: chat not found")

    # ---- methods -------------------------------------------------------------------------

    async def _true(self, params: Json) -> bool:
        """Methods that just answer true."""
        return True

    async def _get_me(self, params: Json) -> Json:
        """getMe."""
        return self.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Json) -> list[Json]:
        """getUpdates: confirm up to offset, then long-poll for new updates."""
        if self.webhook_url:
            raise TelegramApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"])
        self._poll_generation += 1
        generation = self._poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(params.get("timeout") or 0), self.long_poll_cap)
        while not self._deliverable() and not self._closing and loop.time() < deadline:
            await self._changes.wait(deadline - loop.time())
            if generation != self._poll_generation:
                raise TelegramApiError(
                    409,
                    "Conflict: terminated by other getUpdates request;"
                    " make sure that only one bot instance is running",
                )
        return self._deliverable()[: int(params.get("limit") or 100)]

    def _deliverable(self) -> list[Json]:
        """Pending updates of the allowed types (others are dropped, like Telegram does)."""
        allowed = set(self.allowed_updates)
        self.updates = [
            u
            for u in self.updates
            if (kind := next((k for k in u if k != "update_id"), "")) in allowed
            or (not allowed and kind not in DEFAULT_EXCLUDED_UPDATES)
        ]
        return self.updates

    async def _delete_webhook(self, params: Json) -> bool:
        """deleteWebhook (drop_pending_updates honoured)."""
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _set_webhook(self, params: Json) -> bool:
        """setWebhook (drop_pending_updates honoured)."""
        self.webhook_url = str(params.get("url", ""))
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _get_webhook_info(self, params: Json) -> Json:
        """getWebhookInfo."""
        info = {"url": self.webhook_url, "has_custom_certificate": False}
        return info | {"pending_update_count": len(self.updates)}

    async def _set_my_commands(self, params: Json) -> bool:
        """setMyCommands, recorded per scope and language_code."""
        commands = list(params.get("commands") or [])
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise TelegramApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        language = str(params.get("language_code") or "")
        self.scoped_commands[(_scope_key(params.get("scope")), language)] = commands
        self.commands[language] = commands
        return True

    async def _get_my_commands(self, params: Json) -> list[Json]:
        """getMyCommands for the given scope and language_code."""
        key = (_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self.scoped_commands.get(key, [])

    async def _delete_my_commands(self, params: Json) -> bool:
        """deleteMyCommands for the given scope and language_code."""
        language = str(params.get("language_code") or "")
        self.scoped_commands.pop((_scope_key(params.get("scope")), language), None)
        self.commands.pop(language, None)
        return True

    async def _send_message(self, params: Json) -> Json:
        """sendMessage."""
        text = _plain_text(params, "text", 4096, "message text is empty", "message is too long")
        return self._bot_message(params, {"text": text})

    async def _edit_message_text(self, params: Json) -> Json | bool:
        """editMessageText, as Telegram answers it: only a text message of the bot's own that
        still exists and, outside channels, is at most 48 hours old; the same text and keyboard
        again is "message is not modified"; an edit without reply_markup drops the keyboard."""
        text = _plain_text(params, "text", 4096, "message text is empty", "message is too long")
        if "inline_message_id" in params:
            return True
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise TelegramApiError(400, "Bad Request: chat_id is empty")
        key: tuple[int | str, int] = (chat_id, int(params.get("message_id") or 0))
        old = self.messages.get(key)
        if old is None:
            raise TelegramApiError(400, "Bad Request: message to edit not found")
        too_old = time.time() - old["date"] > EDIT_WINDOW and old["chat"]["type"] != "channel"
        if old.get("from", {}).get("id") != self.bot_user["id"] or too_old:
            raise TelegramApiError(400, "Bad Request: message can't be edited")
        if "text" not in old:
            raise TelegramApiError(400, "Bad Request: there is no text in the message to edit")
        markup = _inline_markup(params)
        if old.get("text") == text and old.get("reply_markup") == markup:
            raise TelegramApiError(400, NOT_MODIFIED)
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        new |= {"text": text, "edit_date": int(time.time())}
        if markup:
            new["reply_markup"] = markup
        self.messages[key] = new
        return new

    async def _answer_callback_query(self, params: Json) -> bool:
        """answerCallbackQuery (each query built by callback_update can be answered once)."""
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._callback_ids:
            raise TelegramApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._callback_ids.discard(query_id)
        return True

    async def _send_photo(self, params: Json) -> Json:
        """sendPhoto (upload, file_id or URL)."""
        content = self._media_content(params, "photo")
        content["photo"] = _photo_sizes(self._file_for(params["photo"]))
        return self._bot_message(params, content)

    async def _send_document(self, params: Json) -> Json:
        """sendDocument (upload, file_id or URL)."""
        content = self._media_content(params, "document")
        document = self._file_for(params["document"])
        if isinstance(params["document"], Upload):
            document["file_name"] = params["document"].filename
            document["mime_type"] = params["document"].content_type
        content["document"] = document
        return self._bot_message(params, content)

    async def _get_file(self, params: Json) -> Json:
        """getFile for files known to the stand-in."""
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise TelegramApiError(400, "Bad Request: invalid file_id")
        if len(self.files[file_id]) > MAX_DOWNLOAD:
            raise TelegramApiError(400, "Bad Request: file is too big")
        file = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
        return file | {"file_size": len(self.files[file_id]), "file_path": f"files/{file_id}"}

    # ---- helpers -------------------------------------------------------------------------

    def _media_content(self, params: Json, field: str) -> Json:
        """Validate a media send and return its caption part."""
        if not params.get(field):
            raise TelegramApiError(400, f"Bad Request: there is no {field} in the request")
        content: Json = {}
        if params.get("caption"):
            too_long = "message caption is too long"
            content["caption"] = _plain_text(params, "caption", 1024, "", too_long)
        return content

    def _bot_message(self, params: Json, content: Json) -> Json:
        """Build, store and return a Message sent by the bot."""
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise TelegramApiError(400, "Bad Request: chat_id is empty")
        message_id = next(self._ids)
        message = {"message_id": message_id, "from": self.bot_user, "chat": _chat(chat_id)}
        message |= {"date": int(time.time()), **content}
        if markup := _inline_markup(params):
            message["reply_markup"] = markup
        self.messages[(chat_id, message_id)] = message
        return message

    def _stored(self, chat_id: int | str, message_id: int) -> Json:
        """A message the bot sent, or a plausible one if the stand-in never saw it."""
        stored = self.messages.get((chat_id, message_id))
        if stored is not None:
            return stored
        fake = {"message_id": message_id, "from": self.bot_user, "chat": _chat(chat_id)}
        return fake | {"date": int(time.time()), "text": "…"}

    def _user(self, chat_id: int, sender: Sender) -> Json:
        """The user sending an update."""
        default_id = chat_id if sender.get("chat_type", "private") == "private" else None
        user_id = sender.get("user_id") or default_id or DEFAULT_GROUP_USER_ID
        user = {"id": user_id, "is_bot": False, "first_name": sender.get("first_name", "Test")}
        return user | {"language_code": sender.get("language_code", "en")}

    def _message_update(self, chat_id: int, sender: MessageSender, content: Json) -> Json:
        """An Update carrying an incoming message."""
        chat = _chat(chat_id, sender.get("chat_type", "private"), sender.get("first_name", "Test"))
        message: Json = {"message_id": sender.get("message_id") or next(self._ids)}
        message |= {"from": self._user(chat_id, sender), "chat": chat, "date": int(time.time())}
        return {"update_id": next(self._update_ids), "message": message | content}

    def _member(self, status: str) -> Json:
        """ChatMember of the bot with `status`."""
        member: Json = {"user": self.bot_user, "status": status}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            rights = "delete_messages manage_video_chats restrict_members promote_members"
            rights += " change_info invite_users post_stories edit_stories delete_stories"
            member |= {f"can_{right}": False for right in rights.split()}
            member |= {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True}
        elif status not in {"member", "left"}:
            raise ValueError(f"unsupported chat member status {status!r}")
        return member

    def _new_file(self, content: bytes) -> Json:
        """Register `content` as a file and return its file_id / file_unique_id / file_size."""
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = content
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content)}

    def _file_for(self, value: Upload | str) -> Json:
        """The file object for an uploaded file, a known file_id or a URL."""
        if isinstance(value, Upload):
            return self._new_file(value.content)
        if value in self.files:
            content = self.files[value]
            return {"file_id": value, "file_unique_id": f"u{value}", "file_size": len(content)}
        if not value.startswith(("http://", "https://")):
            raise TelegramApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return self._new_file(b"downloaded:" + value.encode())


def _chat(chat_id: int | str, chat_type: str | None = None, first_name: str = "Test") -> Json:
    """A Chat object for `chat_id` (type inferred from the id unless given)."""
    if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
        channel = {"id": -1001000000001, "type": "channel", "title": "Test channel"}
        return channel | {"username": chat_id.lstrip("@")}
    chat_id = int(chat_id)
    if chat_type is None:
        chat_type = "private" if chat_id > 0 else "group"
        chat_type = "supergroup" if chat_id < -1000000000000 else chat_type
    if chat_type == "private":
        return {"id": chat_id, "type": chat_type, "first_name": first_name}
    return {"id": chat_id, "type": chat_type, "title": "Test group"}


def _photo_sizes(file: Json) -> list[Json]:
    """PhotoSize list of a photo (a thumbnail and the full size)."""
    thumb = file | {"file_id": file["file_id"] + "-s", "width": 90, "height": 67}
    return [thumb, file | {"width": 800, "height": 600}]


def _command_entities(text: str) -> list[Json]:
    """bot_command entities, as Telegram adds them to incoming texts."""
    commands = re.finditer(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?", text)
    return [
        {"type": "bot_command", "offset": _utf16_len(text[: m.start()]), "length": len(m[0])}
        for m in commands
    ]


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _scope_key(scope: Json | None) -> str:
    """Readable key of a BotCommandScope: "default", "chat:42", "chat_member:42:7" …"""
    scope = scope or {"type": "default"}
    return ":".join(str(scope[k]) for k in ("type", "chat_id", "user_id") if k in scope)


def _inline_markup(params: Json) -> Json | None:
    """The inline keyboard of a send/edit call (other markups are not echoed by Telegram)."""
    markup = params.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise TelegramApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _plain_text(params: Json, field: str, limit: int, if_empty: str, if_long: str) -> str:
    """The text of `field` after parse_mode parsing, validated like Telegram does."""
    text = str(params.get(field) or "")
    if params.get("parse_mode") == "HTML":
        if error := _html_error(text):
            raise TelegramApiError(400, f"Bad Request: can't parse entities: {error}")
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    if not text.strip() and if_empty:
        raise TelegramApiError(400, f"Bad Request: {if_empty}")
    if len(text) > limit:
        raise TelegramApiError(400, f"Bad Request: {if_long}")
    return text


def _html_error(text: str) -> str | None:
    """Why Telegram would refuse `text` in parse_mode HTML, or None."""
    open_tags: list[str] = []
    for m in re.finditer(r"<(/?)([A-Za-z0-9-]*)([^<>]*)(>?)", text):
        closing, name, _, end = m.groups()
        offset = len(text[: m.start()].encode())
        name = name.lower()
        if not closing:
            if name not in HTML_TAGS or not end:
                return f'Unsupported start tag "{name}" at byte offset {offset}'
            open_tags.append(name)
        elif not open_tags:
            return f"Unexpected end tag at byte offset {offset}"
        elif open_tags[-1] != name:
            expected = open_tags[-1]
            return f'Unmatched end tag at byte offset {offset}, expected "</{expected}>", found "</{name}>"'
        else:
            open_tags.pop()
    if open_tags:
        return f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"'
    return None


async def _read_params(request: Request) -> Json:
    """Parameters of a call: query, form (urlencoded or multipart) or JSON body."""
    raw: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.startswith("application/json") and body:
        raw |= json.loads(body)
    elif content_type.startswith("multipart/form-data"):
        raw |= _parse_multipart(body, content_type)
    elif body:
        raw |= dict(parse_qsl(body.decode(), keep_blank_values=True))
    return {key: _decode(key, value) for key, value in raw.items()}


def _parse_multipart(body: bytes, content_type: str) -> Json:
    """Fields of a multipart/form-data body (files as Upload)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        return {}
    fields: Json = {}
    for part in body.split(b"--" + match.group(1).encode())[1:-1]:
        head, _, content = part.removeprefix(b"\r\n").removesuffix(b"\r\n").partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'[;\s]name="([^"]*)"', headers)
        if name is None:
            continue
        filename = re.search(r'filename="([^"]*)"', headers)
        if filename is None:
            fields[name.group(1)] = content.decode()
            continue
        mime = re.search(r"(?im)^content-type:\s*([^\s;]+)", headers)
        kind = mime.group(1) if mime else "application/octet-stream"
        fields[name.group(1)] = Upload(filename.group(1), kind, content)
    return fields


def _decode(key: str, value: Any) -> Any:
    """Decode a JSON-encoded parameter value (string parameters stay as sent)."""
    if key in STRING_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
