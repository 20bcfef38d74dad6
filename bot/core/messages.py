"""Channel-neutral messages: what a channel hands to the core and what it gets back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Longest text the bot reads from one message; a channel cuts longer ones before any work.
MAX_INCOMING_CHARS = 10_000
# Files the bot reads (staff's events and message files): YAML, at most this many bytes.
MAX_ATTACHMENT_BYTES = 256 * 1024
ATTACHMENT_SUFFIXES = (".yml", ".yaml")
TOO_BIG = "too_big"
WRONG_TYPE = "wrong_type"
_SURROGATES = re.compile("[\ud800-\udfff]")


def incoming_text(text: str) -> str:
    """A message's text as the bot takes it: at most MAX_INCOMING_CHARS, no lone surrogates
    (a JSON "\\ud800" parses to one; no database or API can encode it)."""
    return _SURROGATES.sub("", text[:MAX_INCOMING_CHARS])


class Kind(StrEnum):
    """What the user sent."""

    TEXT = "text"
    BUTTON = "button"  # a button press; `data` holds its payload
    STICKER = "sticker"
    PHOTO = "photo"
    VOICE = "voice"
    LOCATION = "location"
    FILE = "file"
    OTHER = "other"
    START = "start"  # first contact: /start, LINE follow


# The slash commands everyone may type, in menu order: the payload each one stands for.
COMMANDS = {
    "start": "intent:help",
    "help": "intent:help",
    "language": "intent:change_language",
    "privacy": "intent:delete_my_data",
    "reminders": "intent:my_reminders",
    "notifications": "intent:notifications",
    "cancel": "cancel",
}


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: its name and size, and its content when the channel
    fetched it (only a staff member's YAML file in the staff chat, within the size cap)."""

    name: str
    size: int | None = None  # bytes, when the channel says
    content: bytes | None = None

    def problem(self) -> str | None:
        """Why the bot does not read this file (WRONG_TYPE, TOO_BIG), or None."""
        if not self.name.lower().endswith(ATTACHMENT_SUFFIXES):
            return WRONG_TYPE
        if self.size is not None and self.size > MAX_ATTACHMENT_BYTES:
            return TOO_BIG
        return None


@dataclass(frozen=True)
class Incoming:
    """One update from a user, converted by its channel."""

    channel: str  # "telegram", "line", "console"
    user_id: str  # the user's id on that channel
    chat_id: str
    kind: Kind
    text: str = ""
    data: str = ""  # button payload
    update_id: str | None = None  # for idempotency; None: not deduplicated
    language_hint: str | None = None  # Telegram language_code, LINE profile language
    display_name: str | None = None
    reply_to: str | None = None  # id of the message this one answers (staff replies)
    reply_token: str | None = None  # LINE: answer with this token while it is fresh
    attachment: Attachment | None = None  # a document sent with the message
    # A button press: the id of the message the button was on (Telegram), so that the answer
    # may edit that message in place (`Reply.edit`); None where a channel has no such id.
    button_message: str | None = None

    def command(self) -> str | None:
        """The slash command of a text message ("/help@bot now" → "help"), if any."""
        if self.kind is not Kind.TEXT or not self.text.startswith("/"):
            return None
        word = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
        return word.split("@")[0].lower() or None


@dataclass(frozen=True)
class Button:
    """A button: its label and the payload sent back when pressed, or a link it opens."""

    label: str
    data: str = ""
    url: str | None = None  # a link button (broadcasts): opens url, sends nothing back


@dataclass(frozen=True)
class Reply:
    """One message to send; buttons are laid out `columns` per row.

    A card (an event) is shown as one where the channel has them: its first line is its
    title, its buttons belong to it (LINE: a Flex bubble, several cards in a row a carousel).
    `edit`: replace that message of the chat (its id on the channel) instead of sending a new
    one; a channel that cannot edit, or a message that can no longer be edited, gets a new one.
    `image_file`: an image the bot stored (bot/storage/images.py), uploaded with the text as
    its caption; the outbox worker reads its bytes into `image_data` just before sending.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    columns: int = 2
    image_url: str | None = None
    document_url: str | None = None
    card: bool = False
    edit: str | None = None
    image_file: int | None = None
    image_data: bytes | None = field(default=None, repr=False, compare=False)

    def button_rows(self) -> list[list[Button]]:
        return [
            list(self.buttons[i : i + self.columns])
            for i in range(0, len(self.buttons), self.columns)
        ]

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (how the outbox stores what it will send)."""
        data: dict[str, Any] = {"text": self.text}
        if self.buttons:
            data["buttons"] = [
                [b.label, b.data, b.url] if b.url else [b.label, b.data] for b in self.buttons
            ]
            data["columns"] = self.columns
        if self.image_url:
            data["image_url"] = self.image_url
        if self.document_url:
            data["document_url"] = self.document_url
        if self.card:
            data["card"] = True
        if self.edit:
            data["edit"] = self.edit
        if self.image_file is not None:
            data["image_file"] = self.image_file
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        """The reply to_json wrote (rows written before a field existed read without it)."""
        edit, image_file = data.get("edit"), data.get("image_file")
        return cls(
            str(data["text"]),
            tuple(
                Button(str(item[0]), str(item[1]), str(item[2]) if len(item) > 2 else None)
                for item in data.get("buttons", [])
            ),
            int(data.get("columns", 2)),
            data.get("image_url"),
            data.get("document_url"),
            card=bool(data.get("card", False)),
            edit=str(edit) if edit else None,
            image_file=int(image_file) if image_file is not None else None,
        )


def split_text(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most limit characters, at paragraph, line or word breaks."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        if cut <= limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut <= limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces
