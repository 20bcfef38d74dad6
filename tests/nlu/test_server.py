"""`python -m nlu serve` stops its Rasa server on SIGTERM, and its Rasa server dies with it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
import pytest

from nlu.server import free_port
from tests.botprocess import ROOT, alive, children


def _serve() -> tuple[subprocess.Popen[bytes], int]:
    """nlu serve on a free port, once ready; (its process, the Rasa server's pid)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nlu", "serve", "--port", str(port)], cwd=ROOT
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert process.poll() is None, "nlu serve exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/status", timeout=2).status_code == 200:
                (rasa,) = children(process.pid)
                return process, rasa
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise AssertionError("the Rasa server did not start")


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_the_rasa_server_and_exits_0(sig: signal.Signals) -> None:
    process, rasa = _serve()
    process.send_signal(sig)
    assert process.wait(timeout=60) == 0
    assert _gone_within(rasa, 5)


def test_the_rasa_server_dies_with_a_killed_parent() -> None:
    process, rasa = _serve()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _gone_within(rasa, 10)
