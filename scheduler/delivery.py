"""The outbox worker: sends what `deliveries` holds, once, in order, within each lane's budget.

- Reply lane: the replies to a message (and staff handoffs) are sent right after the commit
  that wrote them, one chat at a time in the order written (`kick`). A tick picks up what a
  restart or a failed send left behind.
- Bulk lane, one per channel: reminders and broadcasts, at the channel's budget (Telegram 25/s
  by default), by `concurrency` senders; LINE rows of identical content go out as multicasts.
Every row is committed `sending` before its request and `sent` after it. While a request is
under way its worker renews the row's lease every tick; a row whose worker died mid-send is
found by its expired lease (storage/outbox.recover): sent again when that is harmless,
`unknown` otherwise. A reply is claimed only once a sending slot is free, so a lease counts
the request, never a wait in a queue. APScheduler only ticks; the database is the source of truth.
A reply naming a stored image (a survey chart) gets its bytes from the database just before
the send, so whichever worker claims it can send it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply
from bot.core.ports import Clock, RateLimited, Recipient, RecipientBlocked, Sender, SendFailed
from bot.storage import images, outbox
from bot.storage.database import Database
from bot.storage.models import Delivery
from scheduler.rate import RateBudget
from scheduler.ticks import every

logger = logging.getLogger(__name__)

OnSent = Callable[[AsyncSession, Delivery, list[str]], Awaitable[None]]
Chat = tuple[str, str]


@dataclass(frozen=True)
class Outcome:
    """How a send went: its rows, and how to write that in the worker's next transaction."""

    ids: list[int]
    write: Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True)
class DeliveryConfig:
    """How the worker sends: budgets per channel (sends/s), leases, retries, tick.

    reply_concurrency: replies in flight at once, across chats (the Telegram reply bot's
    connection pool is sized from it).
    """

    budgets: Mapping[str, float]
    lease: timedelta = timedelta(seconds=30)
    bulk_concurrency: int = 4
    reply_concurrency: int = 16
    max_attempts: int = 8
    tick_seconds: float = 1.0


def backoff(attempts: int) -> float:
    """Seconds before the next try: 2, 4, 8 … up to 5 minutes."""
    return float(min(2**attempts, 300))


class DeliveryWorker:
    """Drains the outbox through the channels' senders."""

    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender],
        clock: Clock,
        config: DeliveryConfig,
        on_sent: Mapping[str, OnSent] | None = None,
        bulk_senders: Mapping[str, Sender] | None = None,
    ) -> None:
        """senders: each channel's, for replies; bulk_senders: where the bulk lane differs."""
        self.db = db
        self.senders = dict(senders)
        self.bulk_senders = {**self.senders, **(bulk_senders or {})}
        self.clock = clock
        self.config = config
        self.on_sent = dict(on_sent or {})
        self._draining: dict[Chat, asyncio.Task[None]] = {}
        self._again: set[Chat] = set()
        self._reply_slots = asyncio.Semaphore(config.reply_concurrency)
        self._in_flight: set[int] = set()  # ids of the rows whose request is under way
        self._budgets = {
            channel: RateBudget(config.budgets.get(channel, 25.0)) for channel in self.senders
        }
        self._bulk_wake = {channel: asyncio.Event() for channel in self.senders}
        self._workers: list[asyncio.Task[None]] = []
        self._scheduler: AsyncIOScheduler | None = None
        self._stopping = False

    # --- life cycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Recover what a crash left, start the bulk lanes and the tick."""
        await self.tick()
        for channel in self.senders:
            for _ in range(self.config.bulk_concurrency):
                self._workers.append(asyncio.create_task(self._bulk_worker(channel)))
        self._scheduler = every(self.config.tick_seconds, self.tick, "outbox-tick")

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the sends under way (within grace seconds), then stop."""
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        for event in self._bulk_wake.values():
            event.set()
        pending = [*self._workers, *self._draining.values()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._workers.clear()

    async def tick(self) -> None:
        """Renew the leases of this worker's sends; recover crashed ones; send replies left
        pending; wake the bulk lanes."""
        try:
            now = self.clock.now()
            async with self.db.session() as session:
                await outbox.renew(session, list(self._in_flight), now + self.config.lease)
                again, unknown = await outbox.recover(session, now)
                chats = await outbox.chats_with_replies(session, now)
            if again or unknown:
                logger.warning(
                    "after an interrupted send: %d to send again, %d unknown", again, unknown
                )
            for channel, chat_id in chats:
                self.kick(channel, chat_id)
            for event in self._bulk_wake.values():
                event.set()
        except Exception:
            logger.exception("outbox tick failed")

    # --- reply lane -----------------------------------------------------------------------
    def kick(self, channel: str, chat_id: str) -> None:
        """Send this chat's pending replies now, in order (after the commit that wrote them)."""
        if channel not in self.senders or self._stopping:
            return
        chat = (channel, chat_id)
        if chat in self._draining:
            self._again.add(chat)
            return
        self._draining[chat] = asyncio.create_task(self._drain(chat))

    async def flush(self, channel: str, chat_id: str) -> None:
        """kick, and wait until this chat has nothing more to send now."""
        self.kick(channel, chat_id)
        task = self._draining.get((channel, chat_id))
        if task is not None:
            await asyncio.shield(task)

    async def _drain(self, chat: Chat) -> None:
        channel, chat_id = chat
        outcome: Outcome | None = None
        try:
            while True:
                self._again.discard(chat)
                while True:
                    async with self._reply_slots:
                        # The outcome of the last send and the claim of the next: one transaction.
                        async with self.db.session() as session:
                            if outcome is not None:
                                await self._record(session, outcome)
                                outcome = None
                            row = await outbox.claim_reply(
                                session, channel, chat_id, self.clock.now(), self.config.lease
                            )
                        if row is None:
                            break
                        outcome = await self._attempt(self.senders[channel], [row])
                if chat not in self._again:
                    return
        except Exception:
            logger.exception("sending replies on %s failed", channel)
        finally:
            if outcome is not None:  # not written: its rows' leases run out (recover)
                self._in_flight.difference_update(outcome.ids)
            self._draining.pop(chat, None)

    # --- bulk lane ------------------------------------------------------------------------
    async def _bulk_worker(self, channel: str) -> None:
        sender = self.bulk_senders[channel]
        budget, wake = self._budgets[channel], self._bulk_wake[channel]
        outcome: Outcome | None = None
        while not self._stopping:
            try:
                await budget.acquire()
                async with self.db.session() as session:
                    if outcome is not None:
                        await self._record(session, outcome)
                        outcome = None
                    rows = await outbox.claim_bulk(
                        session, channel, self.clock.now(), self.config.lease, sender.max_recipients
                    )
                if not rows:
                    budget.give_back()
                    wake.clear()
                    if self._stopping:  # stop() woke the lane while it was claiming
                        break
                    await wake.wait()
                    continue
                outcome = await self._attempt(sender, rows, budget)
            except Exception:
                logger.exception("the %s bulk lane failed; going on", channel)
                await asyncio.sleep(1)
        if outcome is not None:  # the last send's outcome, on the way out
            async with self.db.session() as session:
                await self._record(session, outcome)

    # --- one request ----------------------------------------------------------------------
    async def _attempt(
        self, sender: Sender, rows: Sequence[Delivery], budget: RateBudget | None = None
    ) -> Outcome:
        """Send claimed rows (one, or a multicast batch); how it went.

        The caller writes the outcome in its next transaction (with its next claim); until
        then the rows' leases are renewed.
        """
        first = rows[0]
        ids = [row.id for row in rows]
        replies = [Reply.from_json(item) for item in first.content]
        now = self.clock.now()
        self._in_flight.update(ids)
        try:
            if any(reply.image_file is not None for reply in replies):
                replies = await self._with_images(replies)
            if len(rows) > 1:
                assert first.batch_key is not None
                await sender.send_many(
                    [r.chat_id for r in rows], replies, retry_key=first.batch_key
                )
                message_ids: list[str] = []
            else:
                fresh = (
                    first.reply_until is not None
                    and first.attempts == 1
                    and _aware(first.reply_until) > now
                )
                to = Recipient(first.chat_id, first.reply_token if fresh else None)
                message_ids = await sender.send(
                    to, replies, retry_key=first.batch_key or first.retry_key
                )
        except RecipientBlocked as error:
            reason = error.reason

            async def blocked(session: AsyncSession) -> None:
                await outbox.mark(session, ids, outbox.BLOCKED, now, error=reason)
                await outbox.block_recipients(session, first.channel, [r.chat_id for r in rows])

            return Outcome(ids, blocked)
        except RateLimited as error:
            wait = error.retry_after or 1.0
            if budget is not None:
                budget.pause(wait)
            due, reason = now + timedelta(seconds=wait), error.reason

            async def later(session: AsyncSession) -> None:
                await outbox.retry_later(session, ids, due, reason)

            return Outcome(ids, later)
        except Exception as error:
            failure = error if isinstance(error, SendFailed) else SendFailed(repr(error))
            if not isinstance(error, SendFailed):
                logger.exception("a %s send failed unexpectedly", first.channel)
            final = failure.permanent or first.attempts >= self.config.max_attempts
            due = now + timedelta(seconds=failure.retry_after or backoff(first.attempts))

            async def failed(session: AsyncSession) -> None:
                if final:
                    await outbox.mark(session, ids, outbox.FAILED, now, error=failure.reason)
                else:
                    await outbox.retry_later(session, ids, due, failure.reason)

            return Outcome(ids, failed)
        sent_at = self.clock.now()
        hook = self.on_sent.get(first.kind)

        async def sent(session: AsyncSession) -> None:
            await outbox.mark(session, ids, outbox.SENT, sent_at)
            if hook is not None:
                first.sent_at = sent_at  # the hook sees the row as marked (it is detached)
                await hook(session, first, message_ids)

        return Outcome(ids, sent)

    async def _record(self, session: AsyncSession, outcome: Outcome) -> None:
        await outcome.write(session)
        self._in_flight.difference_update(outcome.ids)

    async def _with_images(self, replies: list[Reply]) -> list[Reply]:
        """The replies with the bytes of the stored images they name (a missing one: none)."""
        async with self.db.session() as session:
            found = await images.contents(
                session, [r.image_file for r in replies if r.image_file is not None]
            )
        result = []
        for reply in replies:
            if reply.image_file is not None and reply.image_file not in found:
                logger.warning("image %d is gone: its text is sent alone", reply.image_file)
            data = found.get(reply.image_file) if reply.image_file is not None else None
            result.append(replace(reply, image_data=data))
        return result


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
