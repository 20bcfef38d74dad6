"""Console chat: the same dispatcher and outbox as Telegram and LINE, in a terminal or a pipe."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import TextIO

from bot.core.messages import Button, Incoming, Kind, Reply, incoming_text
from bot.core.ports import Recipient
from bot.dispatcher import Dispatcher
from scheduler.delivery import DeliveryWorker

CHANNEL = "console"


def render(replies: list[Reply]) -> tuple[str, list[Button]]:
    """Replies as text, buttons as numbered choices (numbering continues across replies)."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        if reply.image_file is not None:
            lines.append("🖼")
        if reply.text or reply.image_file is None:
            lines.append(reply.text)
        if reply.document_url:
            lines.append(f"📎 {reply.document_url}")
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button.label}")
    return "\n".join(lines), buttons


class ConsoleSender:
    """Prints deliveries to the console; remembers the buttons shown last."""

    max_recipients = 1

    def __init__(self, stdout: TextIO = sys.stdout) -> None:
        self.stdout = stdout
        self.buttons: list[Button] = []

    async def send(self, to: Recipient, replies: list[Reply], *, retry_key: str) -> list[str]:
        shown, self.buttons = render(replies)
        print(shown, file=self.stdout, flush=True)
        return []

    async def send_many(self, chat_ids: list[str], replies: list[Reply], *, retry_key: str) -> None:
        for chat_id in chat_ids:
            await self.send(Recipient(chat_id), replies, retry_key=retry_key)


def _lines(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines of stdin ("" at the end), read by a daemon thread: a stop never waits for input."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        while True:
            line = stdin.readline()
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if not line:
                return

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return queue


async def chat(
    dispatcher: Dispatcher,
    worker: DeliveryWorker,
    sender: ConsoleSender,
    stdin: TextIO = sys.stdin,
    user_id: str = "console-user",
) -> None:
    """Read messages line by line and print the replies; a number presses a shown button."""
    interactive = stdin.isatty()
    stdout = sender.stdout
    if interactive:
        print(
            "Green Lancang-Mekong assistant — type a message, a number to press a button,"
            " Ctrl-D to quit.",
            file=stdout,
        )
    lines = _lines(stdin)
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = await lines.get()
        if not line:
            break
        text = line.rstrip("\n")
        choice = text.strip()
        buttons = sender.buttons
        if choice.isdigit() and 1 <= int(choice) <= len(buttons):
            incoming = Incoming(
                CHANNEL, user_id, user_id, Kind.BUTTON, data=buttons[int(choice) - 1].data
            )
        else:
            incoming = Incoming(CHANNEL, user_id, user_id, Kind.TEXT, text=incoming_text(text))
        await dispatcher.handle(incoming)
        await worker.flush(CHANNEL, user_id)
        if not interactive:
            print(file=stdout, flush=True)
