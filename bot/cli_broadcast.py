"""`python -m bot broadcast …`: send (preview, then confirm), list, status, cancel.

The running bot sends what `send` queues: the broadcast's deliveries are outbox rows of the
bulk lanes, due at the send time, so a scheduled broadcast survives restarts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from actions import broadcast as broadcasting
from bot.core import announcement as announcements
from bot.core import audience as audiences
from bot.core.i18n import NATIVE_NAMES, Catalog
from bot.core.settings import Settings
from bot.storage import broadcasts
from bot.storage.database import Database

Ask = Callable[[str], bool]


def _out(text: str = "") -> None:
    print(text)  # noqa: T201 - command-line output


def _err(text: str) -> None:
    print(text, file=sys.stderr)  # noqa: T201 - command-line output


def ask_terminal(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _show_reply(version: str, result: broadcasting.Plan) -> None:
    reply = result.announcement.reply(version)
    _out(f"--- {NATIVE_NAMES[version]} ({version}) ---")
    if reply.image_url:
        _out(f"[image] {reply.image_url}")
    _out(reply.text)
    for button in reply.buttons:
        _out(f"[{button.label}] → {button.url}")


async def send(
    settings: Settings,
    message_file: str,
    audience_text: str,
    at: str | None,
    yes: bool,
    ask: Ask = ask_terminal,
    now: datetime | None = None,
) -> int:
    """Preview the broadcast, then queue it once confirmed (or at once with --yes)."""
    now = now or datetime.now(UTC)
    try:
        message = announcements.load(Path(message_file).read_text(encoding="utf-8"), message_file)
    except OSError as error:
        _err(f"message: {error}")
        return 2
    except announcements.MessageError as error:
        for problem in error.problems:
            _err(problem)
        return 2
    try:
        audience = audiences.parse(audience_text)
    except audiences.AudienceError as error:
        _err(f"audience: {error}")
        return 2
    send_at = None
    if at:
        try:
            send_at = broadcasting.parse_time(at, now)
        except ValueError as error:
            _err(f"--at: {error}")
            return 2
    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            result = await broadcasting.plan(
                session, message, audience, now, send_at, settings.default_language
            )
            earlier = await broadcasting.repeated(session, message, now)
        for version in message.languages:
            _show_reply(version, result)
        _out()
        _out(f"Audience: {audience}")
        _out(broadcasting.summary(Catalog.load(), "en", result))
        if send_at is not None:
            _out(f"Send at: {_when(send_at)}")
        if result.problems:
            _err("Not sent:\n" + "\n".join(f"- {problem}" for problem in result.problems))
            return 1
        if earlier is not None:
            seconds = int((now - _aware(earlier.created_at)).total_seconds())
            question = (
                f"The same message was queued {seconds} s ago as broadcast #{earlier.id} "
                f"({earlier.recipients} recipients). Send it again?"
            )
            if not ask(question):
                _err(f"Not sent: the same message went out {seconds} s ago as #{earlier.id}.")
                return 1
        elif not yes and not ask(f"Send to {result.recipients:,} people?"):
            _err("Not sent.")
            return 1
        async with db.session() as session:
            result = await broadcasting.plan(
                session, message, audience, now, send_at, settings.default_language
            )
            if result.problems:
                _err("Not sent:\n" + "\n".join(f"- {problem}" for problem in result.problems))
                return 1
            created = await broadcasting.queue(session, result, created_by="cli", now=now)
        _out(
            f"Broadcast #{created.id} queued for {created.recipients:,} recipients"
            + (f", to go out at {_when(send_at)}." if send_at else ".")
        )
        _out(f"Follow it with: python -m bot broadcast status {created.id}")
    finally:
        await db.dispose()
    return 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def listing(settings: Settings) -> int:
    """Every broadcast, newest first: who, when, to whom, its counts and its text."""
    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            rows = await broadcasts.listing(session)
            now = datetime.now(UTC)
            for row in rows:
                figures = await broadcasts.report(session, row, now)
                raw = row.message.get("text")
                texts: dict[str, str] = raw if isinstance(raw, dict) else {}
                first = next(iter(texts.values()), "")
                preview = " ".join(str(first).split())[:50]
                _out(
                    f"#{row.id:<5} {figures['status']:<9} {_when(row.created_at)} "
                    f"by {row.created_by:<16} send {_when(row.send_at)}  "
                    f"{figures['sent']}/{figures['recipients']} sent  "
                    f"[{row.audience}] {','.join(texts)}: {preview}"
                )
    finally:
        await db.dispose()
    return 0


async def status(settings: Settings, broadcast_id: int, as_json: bool) -> int:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            row = await broadcasts.get(session, broadcast_id)
            if row is None:
                _err(f"no broadcast #{broadcast_id}")
                return 1
            figures = await broadcasts.report(session, row, datetime.now(UTC))
    finally:
        await db.dispose()
    if as_json:
        _out(json.dumps(figures))
    else:
        _out(" ".join(f"{key} {value}" for key, value in figures.items()))
    return 0


async def cancel(settings: Settings, broadcast_id: int) -> int:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            row = await broadcasts.get(session, broadcast_id)
            if row is None:
                _err(f"no broadcast #{broadcast_id}")
                return 1
            if row.status in (broadcasts.DONE, broadcasts.CANCELLED):
                _err(f"broadcast #{broadcast_id} is {row.status}: nothing to cancel")
                return 1
            stopped = await broadcasts.cancel(session, row, datetime.now(UTC))
    finally:
        await db.dispose()
    _out(f"Broadcast #{broadcast_id} cancelled: {stopped:,} deliveries will not be sent.")
    return 0


async def run_cli(settings: Settings, args: argparse.Namespace) -> int:
    """The `broadcast` subcommand's action."""
    if args.action == "send":
        return await send(settings, args.message, args.audience, args.at, args.yes)
    if args.action == "list":
        return await listing(settings)
    if args.action == "status":
        return await status(settings, args.id, args.json)
    return await cancel(settings, args.id)
