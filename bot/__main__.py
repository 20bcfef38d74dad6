"""`python -m bot`: run (console, Telegram and/or LINE), chat, and the staff's command lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from datetime import UTC
from pathlib import Path

from bot.core.settings import Settings, load_settings
from bot.logs import configure_logging


async def run(settings: Settings) -> None:
    """Console chat when no channel is configured; otherwise serve the channels."""
    if not (settings.telegram_enabled or settings.line_enabled):
        await chat(settings)
        return
    from bot.server import serve

    await serve(settings)


async def chat(settings: Settings) -> None:
    """The console chat; SIGTERM ends it cleanly, like Ctrl-D (Ctrl-C too)."""
    from bot.app import run_console

    if settings.rasa_url is None:
        print(
            "Starting the NLU server (the first run trains the model: a few minutes)...",
            file=sys.stderr,
        )
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await run_console(settings)
    except asyncio.CancelledError:
        if task.cancelling():
            task.uncancel()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


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
        moment = row.due_at if row.due_at.tzinfo is None else row.due_at.astimezone(UTC)
        due = moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
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
    survey = commands.add_parser("survey", help="feedback surveys: results for staff")
    survey_commands = survey.add_subparsers(dest="survey_command", required=True)
    survey_results = survey_commands.add_parser("results", help="a survey's results")
    survey_results.add_argument("id", help="the survey id (data/surveys/<id>.yml)")
    survey_results.add_argument("--event", help="only the responses about this event")
    survey_results.add_argument("--json", action="store_true", help="the results as JSON")
    survey_results.add_argument("--csv", metavar="FILE", help="one row per response (UTF-8, BOM)")
    survey_results.add_argument("--png", metavar="FILE", help="one chart per question")
    survey_results.add_argument("--status", choices=("all", "complete", "partial"), default="all")
    survey_results.add_argument("--lang", default="en", help="language of the texts and charts")
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
    events = commands.add_parser("events", help="events: import a file, list, cancel")
    event_commands = events.add_subparsers(dest="events_command", required=True)
    event_commands.add_parser("import", help="add or update the events of a file").add_argument(
        "file"
    )
    event_commands.add_parser("list", help="upcoming events").add_argument(
        "--json", action="store_true", help="one JSON object per line"
    )
    cancelling = event_commands.add_parser("cancel", help="cancel an event, tell its followers")
    cancelling.add_argument("id")
    cancelling.add_argument("--reason")
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
    configure_logging(
        "WARNING" if console or args.command != "run" else settings.log_level, settings
    )
    if args.command == "chat":
        asyncio.run(chat(settings))
    elif args.command == "run":
        asyncio.run(run(settings))
    elif args.command == "survey":
        from bot.cli_surveys import results_cli

        return asyncio.run(
            results_cli(
                settings,
                args.id,
                event=args.event,
                as_json=args.json,
                csv_path=args.csv,
                png_path=args.png,
                status=args.status,
                lang=args.lang,
            )
        )
    elif args.command == "broadcast":
        from bot.cli_broadcast import run_cli

        return asyncio.run(run_cli(settings, args))
    elif args.command == "events":
        from bot import cli_events

        if args.events_command == "import":
            return asyncio.run(cli_events.import_file(settings, Path(args.file)))
        if args.events_command == "list":
            return asyncio.run(cli_events.list_events(settings, args.json))
        return asyncio.run(cli_events.cancel(settings, args.id, args.reason))
    elif args.command == "deliveries":
        return asyncio.run(deliveries(settings, args.status, args.kind, args.json))
    else:
        from bot.staff import unanswered_cli

        return asyncio.run(unanswered_cli(settings, args.limit, args.export))
    return 0


if __name__ == "__main__":
    sys.exit(main())
