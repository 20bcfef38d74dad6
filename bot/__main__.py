"""`python -m bot`: run (console, Telegram and/or LINE), chat, and the staff's command lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from bot.core.settings import Settings, load_settings


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs request URLs, and Telegram's hold the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


async def run(settings: Settings) -> None:
    """Console chat when no channel is configured; otherwise serve the channels."""
    if not (settings.telegram_enabled or settings.line_enabled):
        await chat(settings)
        return
    from bot.server import serve

    await serve(settings)


async def chat(settings: Settings) -> None:
    from bot.app import run_console

    if settings.rasa_url is None:
        print(
            "Starting the NLU server (the first run trains the model: a few minutes)...",
            file=sys.stderr,
        )
    await run_console(settings)


async def deliveries(
    settings: Settings, status: str | None, kind: str | None, as_json: bool
) -> int:
    """The outbox, newest first: one line (or one JSON object) per delivery."""
    from bot.storage import outbox
    from bot.storage.database import Database

    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            rows = await outbox.listing(session, status=status, kind=kind)
    finally:
        await db.dispose()
    for row in rows:
        due = row.due_at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
        item = {
            "id": row.id,
            "kind": row.kind,
            "user": row.user_id,
            "channel": row.channel,
            "due_at": due,
            "status": row.status,
            "attempts": row.attempts,
        }
        if as_json:
            print(json.dumps(item, ensure_ascii=False))
        else:
            print(
                f"{row.id:>7}  {row.kind:<12} {row.channel:<9} {row.chat_id:<20} {due}  "
                f"{row.status:<9} {row.attempts}"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot: console, or Telegram/LINE when configured")
    commands.add_parser("chat", help="console chat with the bot")
    unanswered = commands.add_parser("unanswered", help="most frequent unanswered questions")
    unanswered.add_argument("--limit", type=int, default=20)
    unanswered.add_argument("--export", metavar="FILE", help="write them as Rasa NLU data to label")
    listing = commands.add_parser("deliveries", help="the outbox: what the bot sends and sent")
    listing.add_argument(
        "--status", help="pending, sending, sent, failed, blocked, cancelled, unknown"
    )
    listing.add_argument("--kind", help="reply, handoff, staff_answer, reminder, broadcast, …")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    broadcast = commands.add_parser("broadcast", help="staff announcements")
    steps = broadcast.add_subparsers(dest="action", required=True)
    send = steps.add_parser("send", help="preview a broadcast, then queue it")
    send.add_argument("--message", required=True, metavar="FILE", help="the message file (YAML)")
    send.add_argument("--audience", required=True, metavar="EXPR", help="e.g. 'lang=th,en'")
    send.add_argument("--at", metavar="ISO8601", help="send time (UTC unless it has a zone)")
    send.add_argument("--yes", action="store_true", help="send without asking to confirm")
    steps.add_parser("list", help="every broadcast, newest first")
    state = steps.add_parser("status", help="a broadcast's status and counts")
    state.add_argument("id", type=int)
    state.add_argument("--json", action="store_true")
    stop = steps.add_parser("cancel", help="stop what a broadcast has not yet sent")
    stop.add_argument("id", type=int)
    commands.add_parser("knowledge-doc", help="regenerate docs/knowledge.md from data/knowledge")
    args = parser.parse_args(argv)
    if args.command == "knowledge-doc":
        from actions.knowledge import Knowledge, render_markdown
        from bot.core.settings import ROOT

        (ROOT / "docs" / "knowledge.md").write_text(
            render_markdown(Knowledge.load()), encoding="utf-8"
        )
        return 0
    settings = load_settings()
    console = args.command == "chat" or not (settings.telegram_enabled or settings.line_enabled)
    configure_logging("WARNING" if console or args.command not in ("run",) else settings.log_level)
    if args.command == "chat":
        asyncio.run(chat(settings))
    elif args.command == "run":
        asyncio.run(run(settings))
    elif args.command == "broadcast":
        from bot.cli_broadcast import run_cli

        return asyncio.run(run_cli(settings, args))
    elif args.command == "deliveries":
        return asyncio.run(deliveries(settings, args.status, args.kind, args.json))
    else:
        from bot.staff import unanswered_cli

        return asyncio.run(unanswered_cli(settings, args.limit, args.export))
    return 0


if __name__ == "__main__":
    sys.exit(main())
