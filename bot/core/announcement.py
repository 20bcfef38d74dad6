"""A broadcast's message: texts by language, a fallback, an image, link buttons; its limits.

The message file (YAML or JSON):

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

from bot.core.i18n import LANGUAGES
from bot.core.messages import Button, Reply

TELEGRAM_MAX_TEXT = 4096  # characters in one Telegram message
LINE_MAX_TEXT = 5000  # UTF-16 code units in one LINE text message
LINE_MAX_MESSAGES = 5  # messages in one LINE push or multicast
MAX_BUTTONS = 4


class MessageError(ValueError):
    """A message file that cannot be sent; the message names the bad part."""


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


def _url(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise MessageError(f"{where}: an http(s) URL is needed, got {value!r}")
    return value


def _by_language(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if isinstance(value, str) and value.strip():
        return (("en", value),)
    if not isinstance(value, dict) or not value:
        raise MessageError(f"{where}: a mapping of language to text is needed")
    pairs = []
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise MessageError(f"{where}.{lang}: not one of {', '.join(LANGUAGES)}")
        if not isinstance(text, str) or not text.strip():
            raise MessageError(f"{where}.{lang}: empty")
        pairs.append((str(lang), text.strip()))
    return tuple(pairs)


def parse(data: object) -> Announcement:
    """The announcement of a loaded message file; MessageError naming the bad part."""
    if not isinstance(data, dict):
        raise MessageError("the message file must be a mapping with at least `text`")
    unknown = set(data) - {"text", "fallback", "image_url", "buttons"}
    if unknown:
        raise MessageError(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    if "text" not in data:
        raise MessageError("text: missing (at least one language)")
    texts = _by_language(data["text"], "text")
    fallback = data.get("fallback", "none")
    fallback = None if fallback in (None, "none", False) else str(fallback)
    if fallback is not None and fallback not in dict(texts):
        raise MessageError(f"fallback: {fallback!r} is not one of the message's languages")
    image = data.get("image_url")
    image_url = _url(image, "image_url") if image else None
    buttons = []
    raw_buttons = data.get("buttons") or []
    if not isinstance(raw_buttons, list) or len(raw_buttons) > MAX_BUTTONS:
        raise MessageError(f"buttons: a list of at most {MAX_BUTTONS}")
    for i, button in enumerate(raw_buttons):
        if not isinstance(button, dict):
            raise MessageError(f"buttons[{i}]: needs label and url")
        labels = _by_language(button.get("label"), f"buttons[{i}].label")
        buttons.append(LinkButton(labels, _url(button.get("url"), f"buttons[{i}].url")))
    return Announcement(texts, fallback, image_url, tuple(buttons))
