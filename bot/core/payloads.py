"""Typed button payloads: `prefix:field:…`, packed and checked, unpacked or refused.

Every button the bot shows carries one. A payload names what it acts on (a flow's id, a
language, a topic), so a button pressed after what it confirms has gone is recognised as stale.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

# Telegram's limit on callback data; LINE allows 300 characters, so this bounds both.
MAX_BYTES = 64


class PayloadError(ValueError):
    """Not a payload this bot made: unknown prefix, wrong fields, too long."""


@dataclass(frozen=True)
class Payload:
    """Base of all payloads; subclasses set `prefix` and declare str fields."""

    prefix: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[Payload]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.prefix in Payload.registry:
            raise TypeError(f"payload prefix {cls.prefix!r} is taken")
        Payload.registry[cls.prefix] = cls

    def pack(self) -> str:
        values = [str(getattr(self, f.name)) for f in fields(self)]
        if any(":" in value for value in values):
            raise PayloadError(f"{self.prefix}: a field holds ':'")
        packed = ":".join([self.prefix, *values])
        if len(packed.encode("utf-8")) > MAX_BYTES:
            raise PayloadError(f"{self.prefix}: {len(packed.encode())} bytes, over {MAX_BYTES}")
        return packed


def unpack(data: str) -> Payload:
    """The payload packed in data; PayloadError for anything the bot did not make."""
    if len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise PayloadError("too long")
    prefix, *values = data.split(":")
    cls = Payload.registry.get(prefix)
    if cls is None:
        raise PayloadError(f"unknown prefix {prefix[:16]!r}")
    names = [f.name for f in fields(cls)]
    if len(values) != len(names) or not all(values or [True]):
        raise PayloadError(f"{prefix}: expected {len(names)} fields")
    return cls(**dict(zip(names, values, strict=True)))


@dataclass(frozen=True)
class Topic(Payload):
    """Run the action of an intent (menu buttons, follow-up topics)."""

    prefix: ClassVar[str] = "intent"
    intent: str


@dataclass(frozen=True)
class Language(Payload):
    """Choose the language the bot answers in."""

    prefix: ClassVar[str] = "lang"
    lang: str


@dataclass(frozen=True)
class Human(Payload):
    """Ask to talk to a person."""

    prefix: ClassVar[str] = "human"


@dataclass(frozen=True)
class Cancel(Payload):
    """Leave whatever conversation is active (as /cancel)."""

    prefix: ClassVar[str] = "cancel"


@dataclass(frozen=True)
class FlowStep(Payload):
    """An answer to the active step of the flow `flow_id`; stale once that flow has ended."""

    prefix: ClassVar[str] = "f"
    flow_id: str
    value: str


@dataclass(frozen=True)
class FlowResume(Payload):
    """Continue (`go`) or stop (`stop`) the flow `flow_id` after an interruption."""

    prefix: ClassVar[str] = "fr"
    flow_id: str
    choice: str
