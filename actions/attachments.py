"""Files staff send to the bot (an events file, a broadcast's message file): read as text.

The channel fetched the content only for a staff member's YAML file, within the size cap, in
the staff chat (bot/core/messages.py: `Attachment`); anything else is answered, in the staff
member's language, with why it was not read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from actions.base import Context
from bot.core.messages import MAX_ATTACHMENT_BYTES, TOO_BIG, WRONG_TYPE, Reply

MAX_NAME = 80  # characters of a file's name shown back


@dataclass(frozen=True)
class TextFile:
    """A file's name (as shown in answers and in `name:line: problem`) and its text."""

    name: str
    text: str


def _name(ctx: Context) -> str:
    attachment = ctx.incoming.attachment
    name = attachment.name.strip() if attachment is not None else ""
    return name[:MAX_NAME] or "file"


def _kb(size: int) -> int:
    return math.ceil(size / 1024)


def read(ctx: Context) -> TextFile | Reply:
    """The attached YAML file's text, or the answer saying why it cannot be read."""
    attachment = ctx.incoming.attachment
    assert attachment is not None
    name = _name(ctx)
    problem = attachment.problem()
    if problem == WRONG_TYPE:
        return Reply(ctx.t("files.wrong_type", file=name))
    if problem == TOO_BIG:
        size = _kb(attachment.size or 0)
        return Reply(ctx.t("files.too_big", file=name, size=size, limit=_kb(MAX_ATTACHMENT_BYTES)))
    if attachment.content is None:
        return Reply(ctx.t("files.unavailable", file=name))
    try:
        return TextFile(name, attachment.content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return Reply(ctx.t("files.not_text", file=name))
