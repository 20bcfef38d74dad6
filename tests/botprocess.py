"""The bot as a separate process (`python -m bot run`) wired to stand-ins: to kill it for real.

Used by the crash tests and the delivery benchmark.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from nlu.server import free_port
from tests.standins.line import LineStandIn
from tests.standins.telegram import TelegramStandIn

ROOT = Path(__file__).resolve().parent.parent
SECRET = "process-secret"


class BotProcess:
    """One bot process on a free port; start() again after kill() is a restart."""

    def __init__(
        self,
        database_url: str,
        rasa_url: str | None,
        telegram: TelegramStandIn | None = None,
        line: LineStandIn | None = None,
        **settings: str,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_LEVEL": "WARNING",
            "DELIVERY_LEASE_SECONDS": "3",
        }
        if rasa_url is not None:  # else the bot starts a Rasa server of its own
            env["RASA_URL"] = rasa_url
        if telegram is not None:
            env |= {
                "TELEGRAM_TOKEN": telegram.token,
                "TELEGRAM_BASE_URL": telegram.base_url,
                "TELEGRAM_WEBHOOK_URL": f"{self.url}/telegram/webhook",
                "TELEGRAM_SECRET_TOKEN": SECRET,
            }
        if line is not None:
            env |= {
                "LINE_CHANNEL_SECRET": line.channel_secret,
                "LINE_CHANNEL_ACCESS_TOKEN": line.channel_access_token,
                "LINE_API_HOST": line.host,
            }
        env |= {key.upper(): value for key, value in settings.items()}
        # Only what is set here: no .env or developer settings leak in.
        keep = ("PATH", "HOME", "LANG", "PYTHONPATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
        self.env = {k: v for k, v in os.environ.items() if k in keep} | env
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    async def start(self, timeout: float = 60) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env
        )
        self.starts += 1
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the bot exited with {self.process.returncode}")
                try:
                    if (await http.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError("the bot did not become healthy")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, and wait for the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    async def post_telegram(self, http: httpx.AsyncClient, update: dict[str, object]) -> int:
        response = await http.post(
            f"{self.url}/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        return response.status_code


def children(pid: int) -> list[int]:
    """The pids of a process's children (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text()
        found += [int(child) for child in text.split()]
    return found


def alive(pid: int) -> bool:
    """True while pid runs (a zombie counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status
