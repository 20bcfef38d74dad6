"""A broadcast's message: texts by language, a fallback, an image, link buttons; its limits.

The message file (YAML or JSON; `load` reads its text and names the line of each problem):

    text: {th: "…", en: "…"}       # at least one of the seven languages
    fallback: en                    # or none: people in other languages are left out
    image_url: https://…            # optional
    buttons: [{label: {th: "…", en: "…"}, url: https://…}]
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from bot.core.i18n import LANGUAGES
from bot.core.messages import Button, Reply

TELEGRAM_MAX_TEXT = 4096  # characters in one Telegram message
LINE_MAX_TEXT = 5000  # UTF-16 code units in one LINE text message
LINE_MAX_MESSAGES = 5  # messages in one LINE push or multicast
MAX_BUTTONS = 4


class MessageError(ValueError):
    """A message file that cannot be sent; problems names every bad part."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LinkButton:
    labels: tuple[tuple[str, str], ...]  # (language, label)
    url: str

    def label(self, lang: str, fallback: str | None) -> str:
        labels = dict(self.labels)
        for choice in (lang, fallback, "en"):
            if choice and choice in labels:
                return labels[choice]
        return self.labels[0][1]


@dataclass(frozen=True)
class Announcement:
    """What staff want to say, in one or more languages."""

    texts: tuple[tuple[str, str], ...]  # (language, text)
    fallback: str | None = None
    image_url: str | None = None
    buttons: tuple[LinkButton, ...] = ()

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.texts)

    def version_for(self, lang: str | None) -> str | None:
        """The language version a person of lang gets: their own, the fallback, or none."""
        if lang in self.languages:
            return lang
        return self.fallback

    def reply(self, version: str) -> Reply:
        """The message in one language version, as people will see it."""
        text = dict(self.texts)[version]
        buttons = tuple(
            Button(b.label(version, self.fallback), "", url=b.url) for b in self.buttons
        )
        return Reply(text, buttons, columns=1, image_url=self.image_url)

    def problems(self) -> list[str]:
        """What goes over a platform's limits, each naming the limit; [] when it can be sent."""
        found = []
        for lang, text in self.texts:
            if len(text) > TELEGRAM_MAX_TEXT:
                found.append(
                    f"{lang}: {len(text):,} characters, over Telegram's limit of "
                    f"{TELEGRAM_MAX_TEXT:,} characters a message"
                )
            units = len(text.encode("utf-16-le")) // 2
            if units > LINE_MAX_TEXT:
                found.append(
                    f"{lang}: {units:,} characters, over LINE's limit of "
                    f"{LINE_MAX_TEXT:,} characters a message"
                )
            if self.line_messages() > LINE_MAX_MESSAGES:
                found.append(
                    f"{lang}: {self.line_messages()} LINE messages, over LINE's limit of "
                    f"{LINE_MAX_MESSAGES} messages a request"
                )
        return found

    def line_messages(self) -> int:
        """LINE messages one version takes: the image, then the text."""
        return (1 if self.image_url else 0) + 1

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": dict(self.texts), "fallback": self.fallback or "none"}
        if self.image_url:
            data["image_url"] = self.image_url
        if self.buttons:
            data["buttons"] = [{"label": dict(b.labels), "url": b.url} for b in self.buttons]
        return data

    def digest(self) -> str:
        """A hash of the content (the same file sent twice has the same one)."""
        canonical = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


KeyPath = tuple[str | int, ...]  # where in the file: ("buttons", 0, "url")


class _Problems:
    """Every problem of one message file; with its line, in line order, when the file's text
    is known (`name` and `lines`)."""

    def __init__(self, name: str | None = None, lines: dict[KeyPath, int] | None = None) -> None:
        self.name = name
        self.lines = lines or {}
        self._found: list[tuple[int, str]] = []

    def add(self, path: KeyPath, text: str) -> None:
        prefixes = (path[:n] for n in range(len(path), -1, -1))
        line = next((self.lines[prefix] for prefix in prefixes if prefix in self.lines), 0)
        self._found.append((line, text))

    @property
    def found(self) -> list[str]:
        if self.name is None:
            return [text for _, text in self._found]
        return [
            f"{self.name}:{line or 1}: {text}"
            for line, text in sorted(self._found, key=lambda found: found[0])
        ]


def _where(path: KeyPath) -> str:
    """("buttons", 0, "url") → "buttons[0].url"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _url(value: object, path: KeyPath, problems: _Problems) -> str | None:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        problems.add(path, f"{_where(path)}: an http(s) URL is needed, got {value!r}")
        return None
    return value


def _by_language(value: object, path: KeyPath, problems: _Problems) -> tuple[tuple[str, str], ...]:
    where = _where(path)
    if isinstance(value, str) and value.strip():
        return (("en", value),)
    if not isinstance(value, dict) or not value:
        problems.add(path, f"{where}: a mapping of language to text is needed")
        return ()
    pairs = []
    for lang, text in value.items():
        if lang not in LANGUAGES:
            problems.add((*path, str(lang)), f"{where}.{lang}: not one of {', '.join(LANGUAGES)}")
        elif not isinstance(text, str) or not text.strip():
            problems.add((*path, str(lang)), f"{where}.{lang}: empty")
        else:
            pairs.append((str(lang), text.strip()))
    return tuple(pairs)


def _read(data: object, problems: _Problems) -> Announcement:
    """The announcement of a loaded message file; every problem added to problems."""
    if not isinstance(data, dict):
        problems.add((), "the message file must be a mapping with at least `text`")
        return Announcement(())
    for key in sorted(set(data) - {"text", "fallback", "image_url", "buttons"}, key=str):
        problems.add((str(key),), f"unknown field {key!r}")
    texts: tuple[tuple[str, str], ...] = ()
    if "text" not in data:
        problems.add((), "text: missing (at least one language)")
    else:
        texts = _by_language(data["text"], ("text",), problems)
    fallback = data.get("fallback", "none")
    fallback = None if fallback in (None, "none", False) else str(fallback)
    given = data["text"] if isinstance(data.get("text"), dict) else dict(texts)
    if fallback is not None and "text" in data and fallback not in given:
        problems.add(("fallback",), f"fallback: {fallback!r} is not one of the message's languages")
    image = data.get("image_url")
    image_url = _url(image, ("image_url",), problems) if image else None
    buttons = []
    raw_buttons = data.get("buttons") or []
    if not isinstance(raw_buttons, list) or len(raw_buttons) > MAX_BUTTONS:
        problems.add(("buttons",), f"buttons: a list of at most {MAX_BUTTONS}")
        raw_buttons = []
    for i, button in enumerate(raw_buttons):
        if not isinstance(button, dict):
            problems.add(("buttons", i), f"buttons[{i}]: needs label and url")
            continue
        labels = _by_language(button.get("label"), ("buttons", i, "label"), problems)
        url = _url(button.get("url"), ("buttons", i, "url"), problems)
        if labels and url is not None:
            buttons.append(LinkButton(labels, url))
    return Announcement(texts, fallback, image_url, tuple(buttons))


def parse(data: object) -> Announcement:
    """The announcement of a loaded message file; MessageError naming every bad part."""
    problems = _Problems()
    announcement = _read(data, problems)
    if problems.found:
        raise MessageError(problems.found)
    return announcement


def _lines(node: Node, path: KeyPath, into: dict[KeyPath, int]) -> None:
    """The line of each part of a YAML document (a mapping's entries: their key's line)."""
    into[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            _lines(value, child, into)
            into[child] = key.start_mark.line + 1
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), into)


def load(text: str, name: str) -> Announcement:
    """The announcement of a message file's text (YAML or JSON); MessageError listing every
    problem as `NAME:LINE: problem`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise MessageError([f"{name}:{line}: not valid YAML: {error.problem}"]) from None
    except yaml.YAMLError as error:
        raise MessageError([f"{name}:1: not valid YAML: {error}"]) from None
    lines: dict[KeyPath, int] = {}
    if root is not None:
        _lines(root, (), lines)
    problems = _Problems(name, lines)
    announcement = _read(data, problems)
    if problems.found:
        raise MessageError(problems.found)
    return announcement
