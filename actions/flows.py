"""Multi-step conversations: one mechanism for confirmations, questions to staff, surveys.

A flow has a name, states, data and a time to live; the user's active flow is one row of
`conversation_states`. Its buttons carry its id (`FlowStep`), so a button of a flow that has
ended or expired is answered "expired" and never acted on. The dispatcher routes to it:
escapes → the active flow → a button payload → the intent's action. A text the flow does not
take as an answer (`on_text` returns None) is answered as usual, and the flow offers to go on.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, timedelta
from typing import ClassVar

from actions.base import Context
from bot.core.messages import Button, Reply
from bot.core.payloads import FlowResume, FlowStep
from bot.storage import repo
from bot.storage.models import ConversationState

logger = logging.getLogger(__name__)


class Flow:
    """A named conversation; subclasses answer its steps."""

    name: ClassVar[str]
    ttl: ClassVar[timedelta] = timedelta(minutes=30)
    states: ClassVar[frozenset[str]]

    async def prompt(self, ctx: Context, flow: ConversationState) -> list[Reply]:
        """Ask for the current step again (after an interruption)."""
        raise NotImplementedError

    async def on_text(self, ctx: Context, flow: ConversationState) -> list[Reply] | None:
        """A typed message during the flow; None when it is not an answer to this step."""
        return None

    async def on_choice(self, ctx: Context, flow: ConversationState, value: str) -> list[Reply]:
        """A button of the current step was pressed."""
        raise NotImplementedError

    async def on_file(self, ctx: Context, flow: ConversationState) -> list[Reply] | None:
        """A file (ctx.incoming.attachment) during the flow; None when the flow takes none."""
        return None


def choice(ctx: Context, key: str, value: str) -> Button:
    """A button answering the active flow's current step with value."""
    assert ctx.flow is not None
    return ctx.button(key, FlowStep(ctx.flow.flow_id, value))


async def start(
    ctx: Context, flow: Flow, state: str, data: dict[str, object] | None = None
) -> ConversationState:
    """Begin flow at state (ending any other), for ttl from now."""
    await repo.save_flow(
        ctx.session,
        ctx.user,
        flow=flow.name,
        flow_id=secrets.token_hex(4),
        state=state,
        data=data or {},
        expires_at=ctx.now() + flow.ttl,
    )
    ctx.flow = await repo.get_flow(ctx.session, ctx.user)
    return ctx.flow  # type: ignore[return-value]


async def advance(
    ctx: Context, flow: Flow, state: str, data: dict[str, object] | None = None
) -> None:
    """Move the active flow to state (its data replaced when given), its time to live renewed."""
    assert ctx.flow is not None and ctx.flow.flow == flow.name
    await repo.save_flow(
        ctx.session,
        ctx.user,
        flow=flow.name,
        flow_id=ctx.flow.flow_id,
        state=state,
        data=ctx.flow.data if data is None else data,
        expires_at=ctx.now() + flow.ttl,
    )


async def end(ctx: Context) -> None:
    await repo.end_flow(ctx.session, ctx.user)
    ctx.flow = None


async def active(
    ctx: Context, flows: Mapping[str, Flow]
) -> tuple[ConversationState | None, Flow | None]:
    """The user's unexpired flow and its handler; an expired one is ended (None, None).

    A flow whose stored state no longer reads (after an upgrade) is ended too and returned
    without a handler, so that the user can be told politely.
    """
    flow = await repo.get_flow(ctx.session, ctx.user)
    if flow is None:
        return None, None
    handler = flows.get(flow.flow)
    expires = flow.expires_at
    if expires.tzinfo is None:  # SQLite returns naive UTC
        expires = expires.replace(tzinfo=UTC)
    if expires <= ctx.now():
        await repo.end_flow(ctx.session, ctx.user)
        return None, None
    if handler is None or flow.state not in handler.states:
        logger.info("ending an unreadable %r flow (state %r)", flow.flow, flow.state)
        await repo.end_flow(ctx.session, ctx.user)
        return flow, None
    return flow, handler


def offer_to_resume(ctx: Context) -> Reply:
    """After an answer given in the middle of a flow: go on with it, or stop it."""
    assert ctx.flow is not None
    return Reply(
        ctx.t("flow.resume"),
        (
            ctx.button("btn.resume", FlowResume(ctx.flow.flow_id, "go")),
            ctx.button("btn.stop", FlowResume(ctx.flow.flow_id, "stop")),
        ),
    )
