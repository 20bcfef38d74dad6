"""Throughput benchmark: simulated users in seven languages → Telegram webhook → real Rasa.

Starts the stand-in Bot API (tests/standins/telegram.py) and the bot as its own process
(`python -m bot run`, webhook mode, SQLite), then lets `--users` simulated users each send a
message, wait for the answer and send the next, for `--seconds`. Prints sustained messages/s,
latency from the webhook POST to the stand-in receiving `sendMessage` (p50/p99), and the bot
process's RSS. The Telegram rate limiter is raised for the stand-in (TELEGRAM_MAX_RATE), since
the real API's 30 messages/s would cap what this measures.

    .venv/bin/python bench/throughput.py [--users 10] [--seconds 30] [--warmup 5] [--rasa-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.process import cpu_seconds, rss_mb  # noqa: E402
from nlu.evaluate import read_examples  # noqa: E402
from nlu.server import LocalRasaServer, free_port  # noqa: E402
from tests.standins.telegram import TelegramStandIn  # noqa: E402

SECRET = "bench-secret"


def messages() -> list[tuple[str, str]]:
    return [
        (e.lang, e.text)
        for path in sorted((ROOT / "data" / "heldout").glob("*.tsv"))
        for e in read_examples(path)
    ]


async def wait_healthy(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the bot did not become healthy")


async def run(
    users: int, seconds: float, warmup: float, rasa_url: str, rasa_pid: int | None = None
) -> None:
    corpus = messages()
    rng = random.Random(7)
    async with TelegramStandIn() as api:
        port = free_port()
        workdir = Path(tempfile.mkdtemp(prefix="bench-throughput-", dir=ROOT / "var"))
        env = dict(
            os.environ,
            RASA_URL=rasa_url,
            TELEGRAM_TOKEN=api.token,
            TELEGRAM_BASE_URL=api.base_url,
            TELEGRAM_SECRET_TOKEN=SECRET,
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
            TELEGRAM_MAX_RATE="100000",
            DATABASE_URL=f"sqlite:///{workdir / 'bot.db'}",
            PORT=str(port),
            HOST="127.0.0.1",
            LOG_LEVEL="WARNING",
        )
        bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}"
        latencies: list[float] = []
        peak_rss = 0.0
        try:
            await wait_healthy(url)
            start_rss = rss_mb(bot.pid)
            async with httpx.AsyncClient(
                base_url=url, timeout=30, limits=httpx.Limits(max_connections=users)
            ) as http:
                # The first `warmup` seconds are not measured: Rasa's TensorFlow graphs and
                # the bot's connection pools are built on the first messages.
                measure_from = time.monotonic() + warmup
                stop_at = measure_from + seconds

                inboxes: dict[str, asyncio.Queue[float]] = {}

                async def route_replies() -> None:
                    """Hand each sendMessage the stand-in records to its chat's inbox."""
                    read = 0
                    while time.monotonic() < stop_at + 30:
                        while read < len(api.sent):
                            chat = str(api.sent[read]["chat_id"])
                            if chat in inboxes:
                                inboxes[chat].put_nowait(time.perf_counter())
                            read += 1
                        await api.sent_more(timeout=0.5)

                async def user(chat_id: int) -> None:
                    inbox = inboxes.setdefault(str(chat_id), asyncio.Queue())
                    while time.monotonic() < stop_at:
                        lang, text = rng.choice(corpus)
                        update = api.text_update(chat_id, text, language_code=lang)
                        while not inbox.empty():  # late parts of a previous answer
                            inbox.get_nowait()
                        started = time.perf_counter()
                        response = await http.post(
                            "/telegram/webhook",
                            json=update,
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        )
                        response.raise_for_status()
                        arrived = await asyncio.wait_for(inbox.get(), timeout=30)
                        if time.monotonic() >= measure_from:
                            latencies.append((arrived - started) * 1000)

                async def sample_rss() -> None:
                    nonlocal peak_rss
                    while time.monotonic() < stop_at:
                        peak_rss = max(peak_rss, rss_mb(bot.pid))
                        await asyncio.sleep(0.5)

                router = asyncio.create_task(route_replies())
                load = asyncio.gather(sample_rss(), *(user(10_000 + i) for i in range(users)))
                await asyncio.sleep(warmup)
                began = time.perf_counter()
                bot_cpu, own_cpu = cpu_seconds(bot.pid), time.process_time()
                rasa_cpu = cpu_seconds(rasa_pid) if rasa_pid else 0.0
                await load
                elapsed = time.perf_counter() - began
                bot_cpu = cpu_seconds(bot.pid) - bot_cpu
                own_cpu = time.process_time() - own_cpu
                rasa_cpu = cpu_seconds(rasa_pid) - rasa_cpu if rasa_pid else 0.0
                router.cancel()
        finally:
            bot.terminate()
            bot.wait(timeout=30)
    latencies.sort()
    quantiles = statistics.quantiles(latencies, n=100)
    answered = len(latencies)
    print(
        f"users {users}, {seconds:.0f} s after {warmup:.0f} s of warm-up,"
        f" {answered} messages answered"
    )
    print(f"sustained throughput   {answered / elapsed:8.1f} messages/s")
    print(f"latency p50            {quantiles[49]:8.1f} ms")
    print(f"latency p99            {quantiles[98]:8.1f} ms")
    print(f"CPU per message: bot {bot_cpu * 1000 / answered:.2f} ms", end="")
    if rasa_pid:
        print(f", Rasa {rasa_cpu * 1000 / answered:.2f} ms", end="")
    print(f", load generator and stand-in {own_cpu * 1000 / answered:.2f} ms")
    print(f"bot RSS at start/peak  {start_rss:8.1f} / {peak_rss:.1f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5, help="seconds not measured first")
    parser.add_argument("--rasa-url", help="a running Rasa server (default: start one)")
    args = parser.parse_args()
    if args.rasa_url:
        asyncio.run(run(args.users, args.seconds, args.warmup, args.rasa_url))
        return 0
    with LocalRasaServer() as server:
        asyncio.run(run(args.users, args.seconds, args.warmup, server.url, server.pid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
