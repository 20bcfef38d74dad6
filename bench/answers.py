"""Answer benchmark: every held-out question about the initiative → real Rasa → dispatcher.

Each question of data/heldout whose intent is a knowledge topic is sent as a new user's message
through the dispatcher (real Rasa server, SQLite file). Its first reply is right when it is that
topic's answer (or a sharper one for a country named), in the language the question is written
in. Prints right entry and right language per language, and with --misses every question missed.

    .venv/bin/python bench/answers.py [--misses] [--rasa-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.knowledge import TOPICS, Knowledge  # noqa: E402
from bot.core.i18n import Catalog  # noqa: E402
from bot.core.messages import Incoming, Kind  # noqa: E402
from bot.core.ports import SystemClock  # noqa: E402
from bot.dispatcher import Dispatcher  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from nlu.client import NluClient  # noqa: E402
from nlu.evaluate import read_examples  # noqa: E402
from nlu.scripts import SCRIPT_LANGUAGE, letter_counts  # noqa: E402
from nlu.server import LocalRasaServer  # noqa: E402

HELDOUT = ROOT / "data" / "heldout"
NATIVE_SCRIPT = {lang: script for script, lang in SCRIPT_LANGUAGE.items()}


@dataclass(frozen=True)
class Result:
    lang: str  # of the held-out file
    intent: str
    text: str
    reply: str
    right_entry: bool
    right_language: bool


def questions() -> list[tuple[str, str, str]]:
    """(lang, intent, text) of every held-out question about the initiative."""
    return [
        (e.lang, e.intent, e.text)
        for path in sorted(HELDOUT.glob("*.tsv"))
        for e in read_examples(path)
        if e.intent in TOPICS
    ]


def written_in(lang: str, text: str) -> str:
    """The language a question is written in, which is the language of its answer.

    The Khmer, Lao, Burmese, Thai and Chinese files hold some questions typed in English only
    ("website", "how to apply for funding"): with no letter of the file's own script, they are
    English questions and get English answers, as for anyone who writes in English.
    """
    if lang in NATIVE_SCRIPT and not letter_counts(text).get(NATIVE_SCRIPT[lang]):
        return "en"
    return lang


def right_answers(knowledge: Knowledge, texts: Catalog, intent: str, lang: str) -> set[str]:
    """The replies that answer a question of intent in lang.

    A request for a person labelled `contact` ("ขอคุยกับแอดมินตัวจริงหน่อย") is put through to
    staff, or given the Center's contacts when no staff desk is set, as the talk-to-a-person rule
    says: both are right answers to it.
    """
    entry = knowledge.entries[intent]
    answers = {entry.answer.texts[lang]} | {a.texts[lang] for a in entry.by_country.values()}
    if intent == "contact":
        contact = texts.get(lang, "contact.short")
        answers |= {
            texts.get(lang, "human.forwarded"),
            texts.get(lang, "human.unavailable", contact=contact),
        }
    return answers


def is_right(reply: str, answers: set[str]) -> bool:
    # A country the documents are silent on is named in a note first; the answer follows it.
    return any(reply == answer or reply.endswith(f"\n\n{answer}") for answer in answers)


async def answer_all(dispatcher: Dispatcher, knowledge: Knowledge, texts: Catalog) -> list[Result]:
    """Every held-out question through the dispatcher, each from a new user."""
    results = []
    for i, (file_lang, intent, text) in enumerate(questions()):
        lang = written_in(file_lang, text)
        incoming = Incoming("telegram", f"q{i}", f"q{i}", Kind.TEXT, text=text)
        outcome = await dispatcher.handle(incoming)
        reply = outcome.replies[0].text
        right = is_right(reply, right_answers(knowledge, texts, intent, lang))
        results.append(Result(file_lang, intent, text, reply, right, outcome.lang == lang))
    return results


def rates(results: list[Result]) -> dict[str, tuple[float, float, int]]:
    """Per language of the held-out files: (right entry, right language, questions)."""
    by_lang: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_lang[result.lang].append(result)
    by_lang["all"] = results
    return {
        lang: (
            sum(r.right_entry for r in rows) / len(rows),
            sum(r.right_language for r in rows) / len(rows),
            len(rows),
        )
        for lang, rows in by_lang.items()
    }


async def run(rasa_url: str, show_misses: bool) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        db = Database(f"sqlite:///{Path(workdir) / 'bench.db'}")
        await db.migrate()
        nlu = NluClient(rasa_url)
        knowledge, texts = Knowledge.load(), Catalog.load()
        try:
            results = await answer_all(
                Dispatcher(db, nlu, texts, knowledge, SystemClock()), knowledge, texts
            )
        finally:
            await nlu.aclose()
            await db.dispose()
    print(f"{'lang':<5} {'n':>4} {'right entry':>12} {'right language':>15}")
    for lang, (entry, language, n) in rates(results).items():
        print(f"{lang:<5} {n:>4} {entry:>12.3f} {language:>15.3f}")
    if show_misses:
        for r in results:
            if not (r.right_entry and r.right_language):
                reply = r.reply[:50].replace("\n", " ")
                print(f"{r.lang}\t{r.intent}\t{r.text}\t→ {reply}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="print every question missed")
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start one)")
    args = parser.parse_args()
    if args.rasa_url:
        asyncio.run(run(args.rasa_url, args.misses))
        return 0
    with LocalRasaServer() as server:
        asyncio.run(run(server.url, args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
