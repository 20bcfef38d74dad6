"""scripts/postgres_for_tests.py: a PostgreSQL server for the tests, or one line on what to install."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from nlu.server import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres_for_tests.py"
MISSING = (
    "make test: needs a PostgreSQL server: set TEST_POSTGRES_URL to one, "
    "or install PostgreSQL (apt-get install postgresql)\n"
)
# Run through the script: connects to its server, says where, and fails on purpose.
COMMAND = """
import asyncio, os, asyncpg
async def main():
    connection = await asyncpg.connect(os.environ["TEST_POSTGRES_URL"])
    print(os.environ["TEST_POSTGRES_URL"], await connection.fetchval("SELECT current_database()"))
    await connection.close()
asyncio.run(main())
raise SystemExit(3)
"""


def closed_port_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{free_port()}/test"


@pytest.mark.parametrize("check", [[], ["--check"]], ids=["run", "check"])
def test_without_server_or_binaries_it_stops_at_once_in_one_line(
    tmp_path: Path, check: list[str]
) -> None:
    ran = tmp_path / "ran"
    environment = {
        "PATH": str(tmp_path),  # no pg_lsclusters, no initdb
        "TEST_POSTGRES_URL": closed_port_url(),
        "TEST_POSTGRES_BIN_DIRS": str(tmp_path / "nowhere"),
    }
    command = [sys.executable, "-c", f"open({str(ran)!r}, 'w')"]
    done = subprocess.run(
        [sys.executable, SCRIPT, *check, *command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (1, "", MISSING)
    assert not ran.exists()


async def test_a_throwaway_server_serves_the_command_and_is_gone_after_it_fails() -> None:
    closed = closed_port_url()
    done = subprocess.run(
        [sys.executable, SCRIPT, sys.executable, "-c", COMMAND],
        env={**os.environ, "TEST_POSTGRES_URL": closed},  # nothing there: a throwaway
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    url, database = done.stdout.split()
    assert database == "test"
    assert url != closed
    folder = re.search(r"throwaway server \(.*\) in (\S+) on port", done.stderr)
    assert folder is not None, done.stderr
    assert not Path(folder[1]).exists()
    with pytest.raises(OSError):
        await asyncpg.connect(url, timeout=5)
