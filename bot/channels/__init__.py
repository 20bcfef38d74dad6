"""Channels: each converts its platform's updates to `Incoming` and sends `Reply`s back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.messages import Reply

# Sends replies to a chat of one channel: (chat id, replies, language).
Sender = Callable[[str, list[Reply]], Awaitable[None]]
