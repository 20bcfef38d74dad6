"""How an event reads for one person: their language, their time zone; the feature's settings."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from bot.core.event_payloads import AddToCalendar, EventDetails, RemindMe
from bot.core.i18n import LANGUAGES, Catalog
from bot.core.localtime import (
    DEFAULT_ZONE,
    format_clock,
    format_date,
    format_when,
    zone_for_country,
)
from bot.core.messages import Button, Reply
from bot.core.settings import Settings
from bot.storage.events import CANCELLED, aware
from bot.storage.models import Event, User


@dataclass(frozen=True)
class EventsConfig:
    """The settings the events feature uses (bot/core/settings.py)."""

    public_url: str | None = None
    calendar_secret: str | None = None
    offsets_minutes: tuple[int, ...] = (1440, 60)
    quiet_start: int = 22
    quiet_end: int = 7
    default_language: str = "en"
    default_zone: str = DEFAULT_ZONE  # for people whose country and zone are not known

    @classmethod
    def of(cls, settings: Settings | None) -> EventsConfig:
        """The configured settings, or the defaults where there are none (tools, tests)."""
        return cls() if settings is None else cls.from_settings(settings)

    @classmethod
    def from_settings(cls, settings: Settings) -> EventsConfig:
        secret = settings.calendar_secret
        return cls(
            public_url=settings.public_url,
            calendar_secret=secret.get_secret_value() if secret else None,
            offsets_minutes=tuple(settings.reminder_offsets_minutes),
            quiet_start=settings.quiet_hours_start,
            quiet_end=settings.quiet_hours_end,
            default_language=settings.default_language,
            default_zone=settings.default_timezone,
        )

    def calendar_token(self, event_id: str, lang: str) -> str | None:
        """`<event>.<lang>.<mac>`: the unguessable name of an event's .ics file."""
        if self.calendar_secret is None:
            return None
        mac = hmac.new(
            self.calendar_secret.encode(), f"{event_id}:{lang}".encode(), hashlib.sha256
        ).hexdigest()[:32]
        return f"{event_id}.{lang}.{mac}"

    def read_token(self, token: str) -> tuple[str, str] | None:
        """(event id, language) of a token this bot made, else None."""
        parts = token.split(".")
        if len(parts) != 3 or parts[1] not in LANGUAGES:
            return None
        expected = self.calendar_token(parts[0], parts[1])
        if expected is None or not hmac.compare_digest(expected, token):
            return None
        return parts[0], parts[1]

    def calendar_url(self, event_id: str, lang: str) -> str | None:
        token = self.calendar_token(event_id, lang)
        if token is None or not self.public_url:
            return None
        return f"{self.public_url.rstrip('/')}/ics/{token}.ics"


def person_zone(user: User, default_zone: str) -> str:
    """The person's time zone: chosen, else their country's, else the default
    (DEFAULT_TIMEZONE)."""
    return user.timezone or zone_for_country(user.country, default_zone)


def person_language(user: User, default: str = "en") -> str:
    return user.language if user.language in LANGUAGES else default


def language_and_zone(user: User, config: EventsConfig) -> tuple[str, str]:
    """The language and the time zone a person reads events in."""
    return person_language(user, config.default_language), person_zone(user, config.default_zone)


def in_language(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def place_of(event: Event, lang: str) -> str:
    return in_language(event.place or {}, lang) or (event.online_url or "")


def when(event: Event, tz: str, lang: str) -> str:
    return format_when(aware(event.starts_at), aware(event.ends_at), tz, lang)


def card_text(texts: Catalog, event: Event, lang: str, tz: str, *, details: bool) -> str:
    """Title (the first line), date and time in tz, place and link; the summary too with
    details."""
    lines = [f"📅 {in_language(event.title, lang)}", f"🕘 {when(event, tz, lang)}"]
    if event.place:
        lines.append(f"📍 {in_language(event.place, lang)}")
    if event.online_url:
        lines.append(f"💻 {texts.get(lang, 'events.online')} {event.online_url}")
    if details:
        lines.append("")
        lines.append(in_language(event.summary, lang))
    if event.url:
        lines.append(f"🔗 {event.url}")
    if event.status == CANCELLED:  # under the title: a card's first line is its title
        lines.insert(1, texts.get(lang, "events.is_cancelled"))
    return "\n".join(lines)


def card(texts: Catalog, event: Event, lang: str, tz: str, *, details: bool = False) -> Reply:
    """One event as a card with its buttons: Remind me, Add to calendar, Details."""
    buttons = []
    if event.status != CANCELLED:
        buttons.append(Button(texts.get(lang, "btn.event_remind"), RemindMe(event.id).pack()))
    buttons.append(Button(texts.get(lang, "btn.event_calendar"), AddToCalendar(event.id).pack()))
    if not details:
        buttons.append(Button(texts.get(lang, "btn.event_details"), EventDetails(event.id).pack()))
    text = card_text(texts, event, lang, tz, details=details)
    return Reply(text, tuple(buttons), columns=3, card=True)


def time_change(
    before_start: datetime, before_end: datetime, event: Event, tz: str, lang: str
) -> str:
    """ "Sunday 14 March 2027: 14:00 → 15:00", or whole dates when the day changed."""
    old_start, new_start = aware(before_start), aware(event.starts_at)
    same_day = format_date(old_start, tz, lang) == format_date(new_start, tz, lang)
    if same_day:
        return (
            f"{format_date(new_start, tz, lang)}: "
            f"{format_clock(old_start, tz, lang)} → {format_clock(new_start, tz, lang)}"
        )
    old = format_when(old_start, aware(before_end), tz, lang)
    return f"{old} → {when(event, tz, lang)}"
