"""The events file (data/events.yml, or any file given to `events import`): read and checked.

A file with any problem is refused whole: `EventFileError.problems` lists every one as
`FILE:LINE: problem`, with the line of the YAML node at fault. Values are read from the
YAML nodes as written (no YAML type guessing: `2027-03-14T09:00` and `NO` stay text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.i18n import LANGUAGES
from bot.core.localtime import COUNTRIES, is_zone

CATEGORIES = ("forum", "roundtable", "workshop", "training", "volunteer", "youth")
STATUSES = ("scheduled", "cancelled")
MAX_SUMMARY = 300
MAX_TITLE = 160
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
URL_PATTERN = re.compile(r"https?://\S+")
SURVEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
REQUIRED = ("id", "category", "timezone", "starts", "ends", "title", "summary")
KNOWN = frozenset({*REQUIRED, "country", "place", "online_url", "url", "survey", "status"})


class EventFileError(ValueError):
    """The file was refused; problems holds every `FILE:LINE: problem`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class EventSpec:
    """One event as the file gives it; `columns()` are the values stored."""

    id: str
    category: str
    timezone: str
    starts_local: datetime
    ends_local: datetime
    title: dict[str, str]
    summary: dict[str, str]
    country: str | None = None
    place: dict[str, str] = field(default_factory=dict)
    online_url: str | None = None
    url: str | None = None
    survey: str | None = None
    status: str = "scheduled"
    line: int = 0

    @property
    def starts_at(self) -> datetime:
        return self.starts_local.replace(tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return self.ends_local.replace(tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)

    def columns(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "country": self.country,
            "timezone": self.timezone,
            "starts_local": self.starts_local,
            "ends_local": self.ends_local,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "title": self.title,
            "summary": self.summary,
            "place": self.place,
            "online_url": self.online_url,
            "url": self.url,
            "survey": self.survey,
            "status": self.status,
        }


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Collects problems while reading one file's nodes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def problem(self, node: Node | int, text: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.problems.append(f"{self.name}:{line}: {text}")

    def text(self, node: Node, key: str) -> str | None:
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            self.problem(node, f"{key}: expected a text")
            return None
        return str(node.value).strip()

    def languages(self, node: Node, key: str, limit: int) -> dict[str, str]:
        """A {language: text} mapping with all seven languages."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{key}: expected one text per language ({', '.join(LANGUAGES)})")
            return {}
        texts: dict[str, str] = {}
        for key_node, value_node in node.value:
            lang = str(key_node.value)
            if lang not in LANGUAGES:
                self.problem(key_node, f"{key}: unknown language {lang!r}")
                continue
            value = self.text(value_node, f"{key}.{lang}")
            if value is None:
                continue
            if len(value) > limit:
                self.problem(value_node, f"{key}.{lang}: {len(value)} characters, at most {limit}")
            texts[lang] = value
        missing = [lang for lang in LANGUAGES if lang not in texts]
        given = {str(k.value) for k, _ in node.value}
        absent = [lang for lang in missing if lang not in given]
        if absent:
            self.problem(node, f"{key}: missing language {', '.join(absent)}")
        return texts

    def moment(self, node: Node, key: str, zone: str | None) -> datetime | None:
        raw = self.text(node, key)
        if raw is None:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError as error:
            self.problem(node, f"{key}: {raw!r} is not a date and time that exists ({error})")
            return None
        if moment.tzinfo is not None:
            self.problem(node, f"{key}: write the local time without an offset (zone: timezone)")
            return None
        if zone is not None:
            tz = ZoneInfo(zone)
            there = moment.replace(tzinfo=tz)
            if there.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment:
                self.problem(node, f"{key}: {raw} does not exist in {zone} (clocks skip it)")
                return None
        return moment

    def event(self, node: Node) -> EventSpec | None:
        if not isinstance(node, MappingNode):
            self.problem(node, "expected an event (id, category, timezone, starts, …)")
            return None
        before = len(self.problems)
        fields: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in KNOWN:
                self.problem(key_node, f"unknown field {key!r}")
            elif key in fields:
                self.problem(key_node, f"{key} given twice")
            else:
                fields[key] = value_node
        for key in REQUIRED:
            if key not in fields:
                self.problem(node, f"missing {key}")
        values: dict[str, Any] = {}
        if "id" in fields and (event_id := self.text(fields["id"], "id")) is not None:
            if not ID_PATTERN.fullmatch(event_id):
                self.problem(fields["id"], f"id {event_id!r}: use a-z, 0-9 and -, at most 40")
            values["id"] = event_id
        if "category" in fields and (category := self.text(fields["category"], "category")):
            if category not in CATEGORIES:
                self.problem(
                    fields["category"],
                    f"unknown category {category!r} (one of {', '.join(CATEGORIES)})",
                )
            values["category"] = category
        if "country" in fields and (country := self.text(fields["country"], "country")):
            if country not in COUNTRIES:
                self.problem(
                    fields["country"],
                    f"unknown country {country!r} (one of {', '.join(COUNTRIES)}, or omit it)",
                )
            values["country"] = country
        zone = None
        if "timezone" in fields and (zone := self.text(fields["timezone"], "timezone")):
            if not is_zone(zone):
                self.problem(fields["timezone"], f"unknown time zone {zone!r}")
                zone = None
            values["timezone"] = zone
        starts = ends = None
        if "starts" in fields:
            starts = self.moment(fields["starts"], "starts", zone)
        if "ends" in fields:
            ends = self.moment(fields["ends"], "ends", zone)
        if starts is not None and ends is not None and ends <= starts:
            self.problem(fields["ends"], f"ends ({ends:%Y-%m-%d %H:%M}) is not after starts")
        for key, limit in (("title", MAX_TITLE), ("summary", MAX_SUMMARY)):
            if key in fields:
                values[key] = self.languages(fields[key], key, limit)
        if "place" in fields:
            values["place"] = self.languages(fields["place"], "place", MAX_SUMMARY)
        for key in ("online_url", "url"):
            if key in fields and (link := self.text(fields[key], key)) is not None:
                if not URL_PATTERN.fullmatch(link):
                    self.problem(fields[key], f"{key}: {link!r} is not an http(s) link")
                values[key] = link
        if "place" not in fields and "online_url" not in fields:
            self.problem(node, "give a place or an online_url")
        if "survey" in fields and (survey := self.text(fields["survey"], "survey")) is not None:
            if not SURVEY_PATTERN.fullmatch(survey):
                self.problem(fields["survey"], f"survey {survey!r}: use a-z, 0-9, - and _")
            values["survey"] = survey
        if "status" in fields and (status := self.text(fields["status"], "status")) is not None:
            if status not in STATUSES:
                self.problem(fields["status"], f"status {status!r}: scheduled or cancelled")
            values["status"] = status
        if len(self.problems) > before or starts is None or ends is None:
            return None
        return EventSpec(starts_local=starts, ends_local=ends, line=_line(node), **values)


def parse(text: str, name: str) -> list[EventSpec]:
    """The events of a file's text; EventFileError listing every problem."""
    reader = _Reader(name)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise EventFileError([f"{name}:{line}: not valid YAML: {error.problem}"]) from None
    if root is None:
        return []
    if not isinstance(root, SequenceNode):
        raise EventFileError([f"{name}:{_line(root)}: expected a list of events"])
    events: list[EventSpec] = []
    first_line: dict[str, int] = {}
    for node in root.value:
        spec = reader.event(node)
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == "id" and isinstance(value_node, ScalarNode):
                    event_id = str(value_node.value).strip()
                    if event_id in first_line:
                        reader.problem(
                            value_node,
                            f"duplicate id {event_id!r} (first at line {first_line[event_id]})",
                        )
                        spec = None
                    else:
                        first_line[event_id] = _line(value_node)
        if spec is not None:
            events.append(spec)
    if reader.problems:
        raise EventFileError(reader.problems)
    return events


def load(path: Path) -> list[EventSpec]:
    """The events of a file; EventFileError (or OSError) when it cannot be used."""
    return parse(path.read_text(encoding="utf-8"), str(path))
