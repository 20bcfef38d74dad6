"""The context an action runs in, and the shape of an action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from actions.knowledge import Knowledge
from bot.i18n import Catalog
from bot.messages import Button, Incoming, Reply
from bot.storage.models import User
from nlu.understand import Understanding


class StaffDesk(Protocol):
    """Where "talk to a person" questions go; returns the id of the staff-side message."""

    async def forward(self, user: User, text: str, language: str) -> tuple[str, str] | None:
        """Forward a question; (staff chat id, message id), or None when nobody can be reached."""


@dataclass
class Context:
    """Everything an action may use: the user, their language, what they said, storage."""

    session: AsyncSession
    user: User
    lang: str
    incoming: Incoming
    texts: Catalog
    knowledge: Knowledge
    understanding: Understanding | None = None
    staff_desk: StaffDesk | None = None
    # Set by an action that did not answer the question (logged as unanswered).
    unanswered: bool = field(default=False)

    def t(self, key: str, **values: object) -> str:
        return self.texts.get(self.lang, key, **values)

    def button(self, key: str, data: str) -> Button:
        return Button(self.t(key), data)

    def entity(self, name: str) -> str | None:
        if self.understanding is None:
            return None
        values = self.understanding.parse.entity_values(name)
        return values[0] if values else None


Action = Callable[[Context], Awaitable[list[Reply]]]
