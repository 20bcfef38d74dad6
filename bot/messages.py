"""Channel-neutral messages: what a channel hands to the core and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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


# Slash commands, typed on any channel: the button payload each one stands for.
COMMANDS = {
    "help": "intent:help",
    "language": "intent:change_language",
    "privacy": "intent:delete_my_data",
}


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
    reply_to_text: str | None = None

    def command(self) -> str | None:
        """The slash command of a text message ("/help@bot now" → "help"), if any."""
        if self.kind is not Kind.TEXT or not self.text.startswith("/"):
            return None
        word = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
        return word.split("@")[0].lower() or None


@dataclass(frozen=True)
class Button:
    """A button: its label and the payload sent back when pressed."""

    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    """One message to send; buttons are laid out `columns` per row."""

    text: str
    buttons: tuple[Button, ...] = ()
    columns: int = 2
    image_url: str | None = None
    document_url: str | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    def button_rows(self) -> list[list[Button]]:
        return [
            list(self.buttons[i : i + self.columns])
            for i in range(0, len(self.buttons), self.columns)
        ]


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
