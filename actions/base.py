"""The context an action runs in, and the shape of an action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from actions.knowledge import Knowledge
from bot.core.i18n import Catalog
from bot.core.messages import Button, Incoming, Reply
from bot.core.payloads import Payload
from bot.core.ports import Clock
from bot.core.settings import Settings
from bot.storage import outbox
from bot.storage.models import ConversationState, User
from nlu.understand import Understanding


@dataclass(frozen=True)
class StaffDesk:
    """Where "talk to a person" questions go, and who may answer them as the LMEC team."""

    channel: str | None = None
    chat_id: str | None = None
    members: frozenset[str] = frozenset()  # "channel:user id"

    @property
    def reachable(self) -> bool:
        return self.channel is not None and self.chat_id is not None

    def is_member(self, incoming: Incoming) -> bool:
        return f"{incoming.channel}:{incoming.user_id}" in self.members

    def is_staff_chat(self, incoming: Incoming) -> bool:
        return self.reachable and (incoming.channel, incoming.chat_id) == (
            self.channel,
            self.chat_id,
        )


@dataclass
class Context:
    """Everything an action may use: the user, their language, what they said, storage."""

    session: AsyncSession
    user: User
    lang: str
    incoming: Incoming
    texts: Catalog
    knowledge: Knowledge
    clock: Clock
    staff: StaffDesk = field(default_factory=StaffDesk)
    understanding: Understanding | None = None
    # The bot's settings, for features that have their own (None in some tests: defaults).
    settings: Settings | None = None
    # The user's active flow, loaded by the dispatcher (actions/flows.py changes it).
    flow: ConversationState | None = None
    # Set by an action that did not answer the question (logged as unanswered).
    unanswered: bool = False
    # Set when the user's data was erased in this message: nothing more is stored about them.
    deleted: bool = False
    # Chats that got a delivery on the reply lane in this transaction: sent after the commit.
    touched: set[tuple[str, str]] = field(default_factory=set)

    def t(self, key: str, **values: object) -> str:
        return self.texts.get(self.lang, key, **values)

    def button(self, key: str, payload: Payload) -> Button:
        return Button(self.t(key), payload.pack())

    def entity(self, name: str) -> str | None:
        if self.understanding is None:
            return None
        values = self.understanding.parse.entity_values(name)
        return values[0] if values else None

    def now(self) -> datetime:
        return self.clock.now()

    async def deliver(
        self,
        kind: str,
        channel: str,
        chat_id: str,
        replies: Sequence[Reply],
        *,
        user_id: int | None = None,
        ref: str | None = None,
    ) -> int | None:
        """Send replies to another chat (staff, a user) once this message's work is committed."""
        delivery = await outbox.add(
            self.session,
            kind=kind,
            lane=outbox.REPLY,
            channel=channel,
            chat_id=chat_id,
            replies=replies,
            due_at=self.now(),
            user_id=user_id,
            ref=ref,
        )
        self.touched.add((channel, chat_id))
        return delivery


Action = Callable[[Context], Awaitable[list[Reply]]]
