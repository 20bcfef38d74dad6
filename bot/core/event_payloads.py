"""Button payloads of the events feature; each carries the event id or what it acts on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.core.payloads import Payload


@dataclass(frozen=True)
class RemindMe(Payload):
    """Subscribe to the reminders of one event."""

    prefix: ClassVar[str] = "evr"
    event_id: str


@dataclass(frozen=True)
class AddToCalendar(Payload):
    """Send the event's .ics file (Telegram) or its link (LINE)."""

    prefix: ClassVar[str] = "evc"
    event_id: str


@dataclass(frozen=True)
class EventDetails(Payload):
    """Show the whole card of one event, with its summary."""

    prefix: ClassVar[str] = "evd"
    event_id: str


@dataclass(frozen=True)
class MoreEvents(Payload):
    """The next page of a listing: its offset and filters ("-" for none)."""

    prefix: ClassVar[str] = "evm"
    offset: str
    category: str
    country: str
    time_range: str


@dataclass(frozen=True)
class FollowCategory(Payload):
    """Subscribe to every event of a category."""

    prefix: ClassVar[str] = "evf"
    category: str


@dataclass(frozen=True)
class StopFollowing(Payload):
    """Remove one of the user's subscriptions (by its id)."""

    prefix: ClassVar[str] = "evu"
    subscription_id: str


@dataclass(frozen=True)
class ChangeCountry(Payload):
    """Ask the person's country again (it sets their time zone)."""

    prefix: ClassVar[str] = "evk"
