import io
from collections.abc import AsyncIterator

import pytest

from actions.knowledge import Knowledge
from bot.console import CHANNEL, ConsoleSender, chat, render
from bot.core.i18n import Catalog
from bot.core.messages import Button, Reply
from bot.core.ports import SystemClock
from bot.dispatcher import Dispatcher
from bot.storage.database import Database
from nlu.client import NluClient
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from tests.askers import ASKERS


class Console:
    """A console chat on a real dispatcher and outbox worker, printing into a buffer."""

    def __init__(
        self, dispatcher: Dispatcher, worker: DeliveryWorker, sender: ConsoleSender
    ) -> None:
        self.dispatcher, self.worker, self.sender = dispatcher, worker, sender

    async def run(self, lines: str, user_id: str = "console-user") -> str:
        self.sender.stdout = io.StringIO()
        await chat(self.dispatcher, self.worker, self.sender, io.StringIO(lines), user_id)
        output = self.sender.stdout.getvalue()  # type: ignore[attr-defined]
        return str(output)


@pytest.fixture
async def console(
    sqlite_db: Database, nlu: NluClient, texts: Catalog, knowledge: Knowledge
) -> AsyncIterator[Console]:
    sender = ConsoleSender(io.StringIO())
    clock = SystemClock()
    worker = DeliveryWorker(sqlite_db, {CHANNEL: sender}, clock, DeliveryConfig(budgets={}))
    dispatcher = Dispatcher(sqlite_db, nlu, texts, knowledge, clock, worker)
    await worker.start()
    yield Console(dispatcher, worker, sender)
    await worker.stop()


def test_buttons_are_numbered_across_replies() -> None:
    shown, buttons = render(
        [Reply("one", (Button("A", "a"),)), Reply("two", (Button("B", "b"), Button("C", "c")))]
    )
    assert shown == "one\n  [1] A\ntwo\n  [2] B\n  [3] C"
    assert [b.data for b in buttons] == ["a", "b", "c"]


async def test_piped_chat_answers_each_line(
    console: Console, texts: Catalog, knowledge: Knowledge
) -> None:
    output = await console.run("สวัสดีครับ\n绿色澜湄计划是什么？\n")
    assert texts.get("th", "greet", name="") in output
    assert knowledge.entries["initiative_overview"].answer.texts["zh"] in output


async def test_a_number_presses_a_shown_button(console: Console, texts: Catalog) -> None:
    output = await console.run("/start\n7\n")  # the menu's 7th button: language
    assert texts.get("en", "language.choose") in output


async def test_the_issues_askers_are_answered_in_their_language(
    console: Console, knowledge: Knowledge
) -> None:
    for asker in ASKERS:
        lines = "".join(f"{question}\n" for _, question in asker.questions)
        output = await console.run(lines, user_id=asker.who)
        for intent, question in asker.questions:
            assert knowledge.entries[intent].answer.texts[asker.lang] in output, question


def test_an_edit_prints_as_a_new_message_and_an_image_as_a_mark() -> None:
    shown, _ = render([Reply("Q\n\n✓ 4", edit="12"), Reply("", image_file=3), Reply("Next")])
    assert shown == "Q\n\n✓ 4\n🖼\nNext"
