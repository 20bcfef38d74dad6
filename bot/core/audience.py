"""Broadcast audiences: `key=v1,v2` terms, AND across terms, OR within one; `all` alone.

lang=th,en channel=line        Thai or English speakers on LINE
follows=forum,12               followers of the forum category or of event 12
unfinished=3                   invited to survey 3 and not finished it
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import LANGUAGES

KEYS = ("lang", "country", "channel", "follows", "unfinished")
COUNTRIES = frozenset({"CN", "KH", "LA", "MM", "TH", "VN"})
CHANNELS = frozenset({"telegram", "line"})
CATEGORIES = frozenset({"forum", "roundtable", "workshop", "training", "volunteer", "youth"})


class AudienceError(ValueError):
    """An expression that does not parse; the message names the bad part."""


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to: everyone reachable, or people matching every term."""

    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def everyone(self) -> bool:
        return not self.terms

    def values(self, key: str) -> tuple[str, ...] | None:
        return dict(self.terms).get(key)

    def __str__(self) -> str:
        if self.everyone:
            return "all"
        return " ".join(f"{key}={','.join(values)}" for key, values in self.terms)


# Event and survey ids: [a-z0-9-] (data/events.yml, data/surveys/<id>.yml).
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def _value(key: str, value: str) -> str:
    """The value checked and normalised for key; AudienceError naming it otherwise."""
    if key == "lang":
        if value.lower() not in LANGUAGES:
            raise AudienceError(f"lang={value}: not one of {', '.join(LANGUAGES)}")
        return value.lower()
    if key == "country":
        if value.upper() not in COUNTRIES:
            raise AudienceError(f"country={value}: not one of {', '.join(sorted(COUNTRIES))}")
        return value.upper()
    if key == "channel":
        if value.lower() not in CHANNELS:
            raise AudienceError(f"channel={value}: not one of {', '.join(sorted(CHANNELS))}")
        return value.lower()
    if key == "follows":
        if value.lower() not in CATEGORIES and not _SLUG.fullmatch(value):
            raise AudienceError(
                f"follows={value}: neither an event id nor one of {', '.join(sorted(CATEGORIES))}"
            )
        return value.lower()
    if not _SLUG.fullmatch(value):  # unfinished
        raise AudienceError(f"unfinished={value}: not a survey id (letters a-z, digits, -)")
    return value


def parse(expression: str) -> Audience:
    """The audience of an expression, or AudienceError naming what does not parse."""
    words = expression.split()
    if not words:
        raise AudienceError("empty audience: write `all` or terms like `lang=th channel=line`")
    if words == ["all"]:
        return Audience()
    terms: dict[str, tuple[str, ...]] = {}
    for word in words:
        if word == "all":
            raise AudienceError("`all` stands alone: it cannot be combined with other terms")
        key, sep, rest = word.partition("=")
        if not sep:
            raise AudienceError(f"{word!r}: expected key=value (keys: {', '.join(KEYS)})")
        if key not in KEYS:
            raise AudienceError(f"{key!r} in {word!r}: unknown key (keys: {', '.join(KEYS)})")
        if key in terms:
            raise AudienceError(f"{key!r} appears twice: list its values once, comma-separated")
        values = rest.split(",")
        if not rest or any(not v for v in values):
            raise AudienceError(f"{word!r}: an empty value")
        normalised = tuple(dict.fromkeys(_value(key, value) for value in values))
        terms[key] = normalised
    return Audience(tuple(terms.items()))
