"""What the core needs from the outside, as interfaces: a clock and a way to send.

Channels implement `Sender`; the outbox worker (scheduler/) calls it. Tests pass a clock that
they move instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from bot.core.messages import Reply


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SendFailed(Exception):
    """A send did not go through; `retry_after` seconds when it may be tried again."""

    def __init__(
        self, reason: str, retry_after: float | None = None, *, permanent: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent  # trying again cannot help (a bad request)


class RecipientBlocked(SendFailed):
    """The person blocked the bot (Telegram 403, LINE: not a friend): never retry."""


class RateLimited(SendFailed):
    """The platform asked to slow down (429); retry after `retry_after` seconds."""


@dataclass(frozen=True)
class Recipient:
    """Where a delivery goes: a chat of a channel, and a LINE reply token while it is fresh."""

    chat_id: str
    reply_token: str | None = None


class Sender(Protocol):
    """Sends replies on one channel. Raises SendFailed (or a subclass) when it did not send."""

    # How many recipients one request may carry for identical content (LINE multicast: 500).
    max_recipients: int

    async def send(self, to: Recipient, replies: list[Reply], *, retry_key: str) -> list[str]:
        """Send to one chat; the ids of the messages sent (staff answers are matched by id)."""

    async def send_many(self, chat_ids: list[str], replies: list[Reply], *, retry_key: str) -> None:
        """The same replies to several chats in one request (only when max_recipients > 1)."""
