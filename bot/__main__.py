"""`python -m bot run` (console, Telegram and/or LINE) and `python -m bot chat`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.app import running_core
from bot.console import chat
from bot.settings import Settings, load_settings


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs request URLs, and Telegram's hold the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


async def run_console(settings: Settings) -> None:
    if settings.rasa_url is None:
        print(
            "Starting the NLU server (the first run trains the model: a few minutes)...",
            file=sys.stderr,
        )
    async with running_core(settings) as core:
        await chat(core.dispatcher)


async def run(settings: Settings) -> None:
    """Console chat when no channel is configured; otherwise serve the channels."""
    if not (settings.telegram_enabled or settings.line_enabled):
        await run_console(settings)
        return
    from bot.server import serve

    await serve(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot: console, or Telegram/LINE when configured")
    commands.add_parser("chat", help="console chat with the bot")
    unanswered = commands.add_parser("unanswered", help="most frequent unanswered questions")
    unanswered.add_argument("--limit", type=int, default=20)
    unanswered.add_argument("--export", metavar="FILE", help="write them as Rasa NLU data to label")
    commands.add_parser("knowledge-doc", help="regenerate docs/knowledge.md from data/knowledge")
    args = parser.parse_args(argv)
    if args.command == "knowledge-doc":
        from actions.knowledge import Knowledge, render_markdown
        from bot.settings import ROOT

        (ROOT / "docs" / "knowledge.md").write_text(
            render_markdown(Knowledge.load()), encoding="utf-8"
        )
        return 0
    settings = load_settings()
    console = args.command == "chat" or not (settings.telegram_enabled or settings.line_enabled)
    configure_logging("WARNING" if console else settings.log_level)
    if args.command == "chat":
        asyncio.run(run_console(settings))
    elif args.command == "run":
        asyncio.run(run(settings))
    else:
        from bot.staff import unanswered_cli

        return asyncio.run(unanswered_cli(settings, args.limit, args.export))
    return 0


if __name__ == "__main__":
    sys.exit(main())
