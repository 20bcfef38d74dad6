"""Run a stand-in ASGI app with uvicorn on 127.0.0.1 inside the current asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Self, TypeVar

import uvicorn
from starlette.types import ASGIApp

T = TypeVar("T")


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install no signal handlers (pytest owns them)."""
        yield


class StandInServer:
    """Serve `app` on a free 127.0.0.1 port; use `async with` or start()/stop()."""

    def __init__(self, app: ASGIApp) -> None:
        """Prepare (but do not start) a server for `app`."""
        self.app = app
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. http://127.0.0.1:PORT."""
        if self._server is None:
            raise RuntimeError("stand-in server is not started")
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Bind a free port and serve until stop() is called."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("uvicorn exited before it started")
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        """Shut the server down and wait for it."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        await self._task
        self._server = self._task = None

    async def __aenter__(self) -> Self:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()


class Changes:
    """Wakes coroutines that wait for a stand-in's recorded state to change."""

    def __init__(self) -> None:
        """Create the signal."""
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake every current waiter."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Wait for the next notify() or `timeout` seconds, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(timeout, 0))

    async def until(self, find: Callable[[], T | None], timeout: float, what: str) -> T:
        """Return find()'s first non-None result, re-checking on each change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (found := find()) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"nothing matched within {timeout}s; {what}")
            await self.wait(remaining)
        return found
