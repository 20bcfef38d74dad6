"""A local Rasa server started for the bot, the command line, the tests and the benchmarks."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import httpx

from nlu.rasa_env import RasaProject

logger = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


class RasaServerFailed(RuntimeError):
    """The Rasa server did not come up."""


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGKILL the child when its parent dies (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None

    def arrange() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return arrange


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
        """Train if needed, start the server, wait until it answers; return its URL.

        The server dies with the thread that calls this (see launch): call it from a thread
        that lives as long as the server, or use train/launch/wait_ready separately.
        """
        self.launch(self.model or self.project.train())
        return self.wait_ready()

    def launch(self, model: Path) -> None:
        """Start `rasa run` on model, without waiting. On Linux the server is killed when the
        calling thread's process dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
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
                preexec_fn=_die_with_parent(os.getpid()),
            )

    def wait_ready(self) -> str:
        """Block until the launched server answers /status with a model; its URL."""
        assert self._process is not None, "launch() first"
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
