"""Survey benchmark: simulated participants answer a 5-question survey through the webhook.

Starts the stand-in Bot API and the bot as its own process (`python -m bot run`, webhook
mode, SQLite, SURVEYS_DIR=bench/surveys: a `general` survey of five questions, one of each
type). All participants are in the survey at once: each presses "give feedback", then answers
each question as it arrives (buttons by callback query, the free text by a message, a multiple
choice with two picks and Done), each waiting for the next question before answering. Then
counts the answers stored and times the results of every response. Prints one JSON line:

    {"participants", "completed", "answers_lost", "p99_ms_per_answer", "results_seconds",
     "offered_per_s", "messages_per_s", "p50_ms_per_answer", "reply_budget_per_s"}

People take time to read a question and tap: each participant waits a random time (exponential)
before each step, its mean set so that all of them together send `--rate` messages a second.
Default 15: Telegram lets a bot send about 30 messages a second, and a step costs the bot one
Bot API call (a tap edits the question into the next one; the start sends two messages), so
15 steps a second is half of what a Telegram bot can send; the same load as before taps
became single edits (two calls a tap then, 85 % of the budget). The bot's own reply budget
stays at its default, TELEGRAM_MAX_RATE 30, as deployed. `--rate 0`: no waiting at all,
everyone as fast as the bot answers: the bot's throughput (`messages_per_s`), where the latency is
only queueing (with `--rate 0` the reply budget is lifted, to measure the bot, not the budget).

`answers_lost`: answers the bot acknowledged (by sending the next question) but did not
store. `p99_ms_per_answer`: from the webhook POST of an answer to the stand-in receiving the next
question (or the thanks). Understanding is the scripted stand-in of Rasa by default (the bot's
own work is measured); `--rasa-url` sends the typed answers through a real Rasa server.

    .venv/bin/python bench/surveys.py [--participants 2000] [--rate 15] [--connections 200]
                                      [--rasa-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throughput import wait_healthy  # noqa: E402
from nlu.server import free_port  # noqa: E402
from tests.standins.rasa import RasaStandIn  # noqa: E402
from tests.standins.telegram import TelegramStandIn  # noqa: E402

SECRET = "bench-secret"
SURVEYS = ROOT / "bench" / "surveys"
LANGS = ["zh", "en", "th", "vi", "km", "lo", "my"]
TEXTS = {
    "zh": "希望活动信息更及时",
    "en": "More news about youth events, please",
    "th": "อยากให้แจ้งข่าวกิจกรรมเร็วขึ้น",
    "vi": "Mong nhận thông tin sự kiện sớm hơn",
    "km": "សូមជូនដំណឹងអំពីព្រឹត្តិការណ៍ឱ្យបានឆាប់",
    "lo": "ຢາກໃຫ້ແຈ້ງຂ່າວກິດຈະກຳໄວຂຶ້ນ",
    "my": "ပွဲအကြောင်း အသိပေးချက်တွေ ပိုမြန်မြန် ပို့ပေးပါ",
}
QUESTIONS = 5


def _markup(sent: dict[str, Any]) -> list[str]:
    markup = sent.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def results_seconds(database_url: str) -> tuple[float, int]:
    """Time the results of every response (as `python -m bot survey results` computes them)."""
    os.environ["SURVEYS_DIR"] = str(SURVEYS)
    from actions.survey_defs import catalogue
    from actions.survey_results import compute
    from bot.storage.database import Database

    db = Database(database_url)
    try:
        began = time.perf_counter()
        async with db.session() as session:
            results, _ = await compute(session, catalogue()["general"])
        elapsed = time.perf_counter() - began
    finally:
        await db.dispose()
    stored = sum(q["n"] + q["skipped"] for q in results["questions"].values())
    return elapsed, stored


async def run(participants: int, rate: float, connections: int, rasa_url: str) -> dict[str, Any]:
    rng = random.Random(7)
    # Each participant sends one message per step (start, then each answer; two picks more).
    steps = 2 + QUESTIONS + 2
    mean_wait = participants / rate if rate > 0 else 0.0

    async def think() -> None:
        if mean_wait:
            await asyncio.sleep(rng.expovariate(1 / mean_wait))

    async with TelegramStandIn() as api:
        port = free_port()
        (ROOT / "var").mkdir(exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="bench-surveys-", dir=ROOT / "var"))
        database_url = f"sqlite:///{workdir / 'bot.db'}"
        env = dict(
            os.environ,
            RASA_URL=rasa_url,
            SURVEYS_DIR=str(SURVEYS),
            TELEGRAM_TOKEN=api.token,
            TELEGRAM_BASE_URL=api.base_url,
            TELEGRAM_SECRET_TOKEN=SECRET,
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
            TELEGRAM_MAX_RATE="30" if rate > 0 else "100000",
            DATABASE_URL=database_url,
            PORT=str(port),
            HOST="127.0.0.1",
            LOG_LEVEL="WARNING",
        )
        bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}"
        latencies: list[float] = []
        completed = 0
        try:
            await wait_healthy(url)
            inboxes: dict[str, asyncio.Queue[tuple[float, dict[str, Any]]]] = {}
            done = asyncio.Event()

            async def route() -> None:
                read = 0
                while not done.is_set():
                    while read < len(api.sent):
                        item = api.sent[read]
                        chat = str(item.get("chat_id"))
                        if chat in inboxes:
                            inboxes[chat].put_nowait((time.perf_counter(), item))
                        read += 1
                    await api.sent_more(timeout=0.2)

            # At most `connections` requests in flight: thousands of tasks waiting inside
            # httpx's pool make the load generator, not the bot, the bottleneck.
            in_flight = asyncio.Semaphore(connections)
            async with httpx.AsyncClient(
                base_url=url, timeout=120, limits=httpx.Limits(max_connections=connections)
            ) as http:

                async def post(update: dict[str, Any]) -> None:
                    """POST an update; on a dropped connection, again (as Telegram redelivers:
                    the bot handles an update id once)."""
                    for attempt in range(3):
                        try:
                            async with in_flight:
                                response = await http.post(
                                    "/telegram/webhook",
                                    json=update,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                                )
                            response.raise_for_status()
                            return
                        except httpx.TransportError:
                            if attempt == 2:
                                raise
                            await asyncio.sleep(0.5)

                async def next_step(inbox: asyncio.Queue[Any], want: str) -> tuple[float, Any]:
                    """The next message holding `want` (a question's number, or the thanks)."""
                    while True:
                        arrived, item = await asyncio.wait_for(inbox.get(), timeout=300)
                        if want in str(item.get("text", "")):
                            return arrived, item

                async def participant(n: int) -> bool:
                    nonlocal completed
                    chat_id = 50_000 + n
                    lang = LANGS[n % len(LANGS)]
                    inbox = inboxes.setdefault(str(chat_id), asyncio.Queue())
                    message = api.text_update(chat_id, "/start", language_code=lang)
                    await think()
                    await post(message)
                    greeting = await inbox.get()
                    await think()
                    start = api.callback_update(
                        chat_id,
                        "intent:give_feedback",
                        message_id=greeting[1]["result"]["message_id"],
                        language_code=lang,
                    )
                    await post(start)
                    _, question = await next_step(inbox, f"(1/{QUESTIONS})")
                    for k in range(1, QUESTIONS + 1):
                        buttons = [b for b in _markup(question) if b.startswith("f:")]
                        want = f"({k + 1}/{QUESTIONS})" if k < QUESTIONS else "!"
                        await think()
                        began = time.perf_counter()
                        if k == 4:  # several of: two picks, then Done
                            for data in buttons[:2]:
                                update = api.callback_update(
                                    chat_id,
                                    data,
                                    message_id=question["result"]["message_id"],
                                    language_code=lang,
                                )
                                await post(update)
                                _, question = await next_step(inbox, f"({k}/{QUESTIONS})")
                                await think()
                            buttons = [b for b in _markup(question) if b.startswith("f:")]
                            data = next(b for b in buttons if b.endswith(".done"))
                            began = time.perf_counter()
                        elif k == QUESTIONS:
                            data = ""
                        else:
                            data = rng.choice(buttons)
                        if data:
                            update = api.callback_update(
                                chat_id,
                                data,
                                message_id=question["result"]["message_id"],
                                language_code=lang,
                            )
                        else:
                            update = api.text_update(chat_id, TEXTS[lang], language_code=lang)
                        await post(update)
                        if k == QUESTIONS:
                            want = ""  # the thanks: whatever comes next, with the menu
                        arrived, question = await next_step(inbox, want)
                        latencies.append((arrived - began) * 1000)
                    completed += 1
                    return True

                router = asyncio.create_task(route())
                began = time.perf_counter()
                outcomes = await asyncio.gather(
                    *(participant(n) for n in range(participants)), return_exceptions=True
                )
                wall = time.perf_counter() - began
                done.set()
                await router
                failures = [o for o in outcomes if isinstance(o, BaseException)]
                if failures:
                    print(f"{len(failures)} participants failed: {failures[0]!r}", file=sys.stderr)
        finally:
            bot.terminate()
            bot.wait(timeout=60)
        seconds, stored = await results_seconds(database_url)
    latencies.sort()
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else 0.0
    print(
        f"{participants} participants in {wall:.1f} s, {len(latencies)} answers timed,"
        f" p50 {statistics.median(latencies):.1f} ms; NLU at {rasa_url}",
        file=sys.stderr,
    )
    return {
        "participants": participants,
        "completed": completed,
        "answers_lost": len(latencies) - stored,
        "p99_ms_per_answer": round(p99, 1),
        "results_seconds": round(seconds, 3),
        "offered_per_s": rate or None,
        "messages_per_s": round(participants * steps / wall, 1),
        "p50_ms_per_answer": round(statistics.median(latencies), 1),
        "reply_budget_per_s": 30 if rate > 0 else None,
    }


async def main_async(
    participants: int, rate: float, connections: int, rasa_url: str | None
) -> None:
    if rasa_url:
        result = await run(participants, rate, connections, rasa_url)
    else:
        async with RasaStandIn({"give feedback": "give_feedback"}) as rasa:
            result = await run(participants, rate, connections, rasa.url)
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument(
        "--rate", type=float, default=15.0, help="messages a second from all (0: no waiting)"
    )
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--rasa-url", help="a running Rasa server (default: scripted stand-in)")
    args = parser.parse_args()
    asyncio.run(main_async(args.participants, args.rate, args.connections, args.rasa_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
