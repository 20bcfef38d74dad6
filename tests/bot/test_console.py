import io

from actions.knowledge import Knowledge
from bot.console import chat, render
from bot.dispatcher import Dispatcher
from bot.i18n import Catalog
from bot.messages import Button, Reply
from tests.askers import ASKERS


def test_buttons_are_numbered_across_replies() -> None:
    shown, buttons = render(
        [Reply("one", (Button("A", "a"),)), Reply("two", (Button("B", "b"), Button("C", "c")))]
    )
    assert shown == "one\n  [1] A\ntwo\n  [2] B\n  [3] C"
    assert [b.data for b in buttons] == ["a", "b", "c"]


async def test_piped_chat_answers_each_line(
    dispatcher: Dispatcher, texts: Catalog, knowledge: Knowledge
) -> None:
    stdin = io.StringIO("สวัสดีครับ\n绿色澜湄计划是什么？\n")
    stdout = io.StringIO()
    await chat(dispatcher, stdin, stdout)
    output = stdout.getvalue()
    assert texts.get("th", "greet", name="") in output
    assert knowledge.entries["initiative_overview"].answer.texts["zh"] in output


async def test_a_number_presses_a_shown_button(dispatcher: Dispatcher, texts: Catalog) -> None:
    stdin = io.StringIO("/start\n7\n")  # the menu's 7th button: language
    stdout = io.StringIO()
    await chat(dispatcher, stdin, stdout)
    assert texts.get("en", "language.choose") in stdout.getvalue()


async def test_the_issues_askers_are_answered_in_their_language(
    dispatcher: Dispatcher, knowledge: Knowledge
) -> None:
    for asker in ASKERS:
        stdin = io.StringIO("".join(f"{question}\n" for _, question in asker.questions))
        stdout = io.StringIO()
        await chat(dispatcher, stdin, stdout, user_id=asker.who)
        output = stdout.getvalue()
        for intent, question in asker.questions:
            assert knowledge.entries[intent].answer.texts[asker.lang] in output, question
