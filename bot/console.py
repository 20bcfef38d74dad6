"""Console chat: the same dispatcher as Telegram and LINE, in a terminal or a pipe."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.dispatcher import Dispatcher
from bot.messages import Button, Incoming, Kind, Reply

CHANNEL = "console"


def render(replies: list[Reply]) -> tuple[str, list[Button]]:
    """Replies as text, buttons as numbered choices (numbering continues across replies)."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines.append(reply.text)
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button.label}")
    return "\n".join(lines), buttons


async def chat(
    dispatcher: Dispatcher,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    user_id: str = "console-user",
) -> None:
    """Read messages line by line and print the replies; a number presses a shown button."""
    interactive = stdin.isatty()
    buttons: list[Button] = []
    if interactive:
        print(
            "Green Lancang-Mekong assistant — type a message, a number to press a button,"
            " Ctrl-D to quit.",
            file=stdout,
        )
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        text = line.rstrip("\n")
        choice = text.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(buttons):
            incoming = Incoming(
                CHANNEL, user_id, user_id, Kind.BUTTON, data=buttons[int(choice) - 1].data
            )
        else:
            incoming = Incoming(CHANNEL, user_id, user_id, Kind.TEXT, text=text)
        outcome = await dispatcher.handle(incoming)
        shown, buttons = render(outcome.replies)
        print(shown, file=stdout, flush=True)
        if not interactive:
            print(file=stdout, flush=True)
