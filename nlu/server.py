"""A local Rasa server started for the bot, the command line, the tests and the benchmarks."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

from nlu.rasa_env import RasaProject

logger = logging.getLogger(__name__)


class RasaServerFailed(RuntimeError):
    """The Rasa server did not come up."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalRasaServer:
    """`rasa run --enable-api` on 127.0.0.1 with the given model, or the project's current one."""

    def __init__(
        self,
        project: RasaProject | None = None,
        port: int | None = None,
        log_file: Path | None = None,
        startup_timeout: float = 180.0,
        model: Path | None = None,
    ) -> None:
        self.project = project or RasaProject()
        self.model = model
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = log_file or self.project.var / f"rasa-server-{self.port}.log"
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> str:
        """Train if needed, start the server, wait until it answers; return its URL."""
        model = self.model or self.project.train()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.project.rasa_executable),
            "run",
            "--enable-api",
            "--model",
            str(model),
            "--interface",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.project.root,
                env=self.project.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RasaServerFailed(
                    f"Rasa exited with {self._process.returncode}; see {self.log_file}"
                )
            try:
                status = httpx.get(f"{self.url}/status", timeout=2.0)
                if status.status_code == 200 and status.json().get("model_file"):
                    logger.info("Rasa server ready at %s", self.url)
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RasaServerFailed(
            f"Rasa did not answer within {self.startup_timeout:.0f} s; see {self.log_file}"
        )

    def wait(self) -> int:
        """Block until the server exits; its exit code."""
        if self._process is None:
            return 0
        return self._process.wait()

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> LocalRasaServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
