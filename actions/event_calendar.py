"""An event as an iCalendar file: stable UID, SEQUENCE = version, its own time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from actions.event_cards import in_language
from bot.storage.events import CANCELLED, aware
from bot.storage.models import Event

PRODID = "-//Lancang-Mekong Environmental Cooperation Center//Green LM bot//EN"
UID_DOMAIN = "events.green-lancang-mekong"


def ics(event: Event, lang: str) -> bytes:
    """The .ics of event, titled in lang; METHOD:CANCEL once it is cancelled."""
    zone = ZoneInfo(event.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    cancelled = event.status == CANCELLED
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    item = CalendarEvent()
    item.add("uid", f"{event.id}@{UID_DOMAIN}")
    item.add("sequence", event.version)
    item.add("dtstamp", aware(event.updated_at))
    item.add("dtstart", event.starts_local.replace(tzinfo=zone))
    item.add("dtend", event.ends_local.replace(tzinfo=zone))
    item.add("summary", in_language(event.title, lang))
    description = in_language(event.summary, lang)
    if event.url:
        description = f"{description}\n\n{event.url}"
    item.add("description", description)
    location = in_language(event.place or {}, lang) or event.online_url
    if location:
        item.add("location", location)
    if event.url or event.online_url:
        item.add("url", event.url or event.online_url)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(item)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
