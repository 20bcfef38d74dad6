"""Runs a command with a PostgreSQL server for the tests (`make test` runs pytest through it).

    .venv/bin/python scripts/postgres_for_tests.py [--check] COMMAND [ARG...]

The server, the first of:
1. the one at TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test) when the tests
   can connect to it; left as it is;
2. when that URL is on this machine and nothing answers there, the installed cluster of its port
   (pg_lsclusters), started with pg_ctlcluster and stopped again at the end;
3. a throwaway server in var/: initdb and pg_ctl of the installed PostgreSQL, a free port, trust
   auth, run as the `postgres` user (or `nobody`) when we are root; stopped and removed at the end;
4. else one line saying what to install, and exit status 1.
COMMAND runs with TEST_POSTGRES_URL set to that server, and its exit status is ours. With --check
nothing is started or run: it only fails, in that one line, when no server can be had (so
`make test` stops before training the NLU model).

PostgreSQL's binaries are looked for next to `initdb` on PATH, then in TEST_POSTGRES_BIN_DIRS
(glob patterns separated by ':'; by default where Debian, Homebrew and a source build put them).
"""

from __future__ import annotations

import asyncio
import glob
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import URL, make_url

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BIN_DIRS = ":".join(
    [
        "/usr/lib/postgresql/*/bin",
        "/usr/local/pgsql/bin",
        "/opt/homebrew/opt/postgresql*/bin",
        "/usr/local/opt/postgresql*/bin",
    ]
)
MISSING = (
    "needs a PostgreSQL server: set TEST_POSTGRES_URL to one, "
    "or install PostgreSQL (apt-get install postgresql)"
)
LOCAL_HOSTS = {None, "", "127.0.0.1", "localhost", "::1"}
START_TIMEOUT = 60.0


class NoServer(Exception):
    """No PostgreSQL server can be had for the tests; the message says why."""


class Unavailable(Exception):
    """This source could not give the tests a server."""


class Source(Protocol):
    def start(self) -> URL:
        """The URL of a server the tests can use; Unavailable (and nothing left behind) if not."""

    def stop(self) -> None:
        """Leave the machine as start() found it."""


def connect_error(url: URL, timeout: float = 5.0) -> Exception | None:
    """Why the tests cannot connect to url (OSError: nothing answers there), or None."""

    async def connect() -> None:
        connection = await asyncpg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
            timeout=timeout,
        )
        await connection.close()

    try:
        asyncio.run(connect())
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        return error
    return None


def wait_until_connectable(url: URL) -> None:
    """Wait while nothing answers at url; Unavailable when it still does not or refuses us."""
    deadline = time.monotonic() + START_TIMEOUT
    while (error := connect_error(url)) is not None:
        if not isinstance(error, OSError) or time.monotonic() > deadline:
            raise Unavailable(f"cannot connect as the tests do: {error}")
        time.sleep(0.5)


@dataclass
class Running:
    """The server at the tests' URL, already up: used as it is."""

    url: URL

    def start(self) -> URL:
        logger.info("PostgreSQL for the tests: the server at %s:%s", self.url.host, self.url.port)
        return self.url

    def stop(self) -> None:
        pass


@dataclass
class Cluster:
    """A stopped cluster of the machine's PostgreSQL (postgresql-common), on the tests' port."""

    version: str
    name: str
    url: URL
    started: bool = False

    def start(self) -> URL:
        logger.info(
            "PostgreSQL for the tests: starting cluster %s/%s (port %s; stopped again at the end)",
            self.version,
            self.name,
            self.url.port,
        )
        self.started = self._ctl("start")
        try:
            if not self.started:
                raise Unavailable(f"pg_ctlcluster could not start {self.version}/{self.name}")
            wait_until_connectable(self.url)
        except Unavailable as error:
            self.stop()
            raise Unavailable(f"cluster {self.version}/{self.name}: {error}") from error
        return self.url

    def stop(self) -> None:
        if self.started:
            self._ctl("stop")
            self.started = False

    def _ctl(self, action: str) -> bool:
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action]
        return subprocess.run(command, stdout=subprocess.DEVNULL).returncode == 0


def stopped_cluster(url: URL) -> Cluster | None:
    """The machine's stopped cluster listening, when up, where url points; None if none."""
    if url.host not in LOCAL_HOSTS or shutil.which("pg_lsclusters") is None:
        return None
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    ).stdout
    for line in listing.splitlines():
        version, name, port, status, *_ = [*line.split(), "", "", "", ""]
        if port == str(url.port) and status == "down":
            return Cluster(version, name, url)
    return None


def bin_dir() -> Path | None:
    """The newest directory with PostgreSQL's initdb, pg_ctl and postgres; None if none."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    patterns = os.environ.get("TEST_POSTGRES_BIN_DIRS", BIN_DIRS).split(":")
    found = [Path(p) for pattern in patterns if pattern for p in glob.glob(pattern)]
    candidates += sorted(found, key=version_key, reverse=True)
    for directory in candidates:
        if all((directory / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def can_reach(directory: Path, uid: int, gid: int) -> bool:
    """Whether the user uid (in group gid only) can enter directory."""
    for folder in (directory, *directory.parents):
        status = folder.stat()
        if status.st_uid == uid:
            bit = stat.S_IXUSR
        else:
            bit = stat.S_IXGRP if status.st_gid == gid else stat.S_IXOTH
        if not status.st_mode & bit:
            return False
    return True


def version_key(path: Path) -> list[int]:
    return [int(number) for number in re.findall(r"\d+", str(path))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Throwaway:
    """A new server in var/ from the installed binaries, on a free port; removed at the end."""

    bin_dir: Path
    url: URL
    directory: Path | None = None
    as_user: dict[str, Any] = field(default_factory=dict)

    def start(self) -> URL:
        user = self.url.username or "postgres"
        database = self.url.database or "postgres"
        port = free_port()
        self.directory = self._make_directory()
        logger.info(
            "PostgreSQL for the tests: a throwaway server (%s) in %s on port %s, removed at the end",
            self.bin_dir,
            self.directory,
            port,
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"
        )
        try:
            self._initdb(user)
            self._run(
                "pg_ctl", "start", "-w", "-t", str(int(START_TIMEOUT)), "-D", "data",
                "-l", "postgres.log", "-o", options,
            )  # fmt: skip
            url = self.url.set(host="127.0.0.1", port=port, username=user, password=None)
            wait_until_connectable(url.set(database="postgres"))
            if database != "postgres":
                asyncio.run(create_database(url, database))
        except (Unavailable, OSError, asyncpg.PostgresError) as error:
            log = self._log_tail()
            self.stop()
            raise Unavailable(f"throwaway server: {error}{log}") from error
        return url

    def stop(self) -> None:
        if self.directory is None:
            return
        if (self.directory / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", "data", check=False)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None

    def _log_tail(self, lines: int = 3) -> str:
        """The server log's last lines, to say why it did not start (the log goes with it)."""
        log = (self.directory or ROOT / "var/none") / "postgres.log"
        if not log.is_file():
            return ""
        return "; log: " + " | ".join(log.read_text(errors="replace").splitlines()[-lines:])

    def _make_directory(self) -> Path:
        """A new directory in var/ (in the system's temporary one if our user cannot reach var/)."""
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                account = pwd.getpwnam("nobody")
            self.as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        var = ROOT / "var"
        var.mkdir(exist_ok=True)
        reachable = not self.as_user or can_reach(var, self.as_user["user"], self.as_user["group"])
        directory = Path(tempfile.mkdtemp(prefix="test-postgres-", dir=var if reachable else None))
        if self.as_user:
            os.chown(directory, self.as_user["user"], self.as_user["group"])
        return directory

    def _initdb(self, user: str) -> None:
        """A new cluster in data/: UTF-8, in C.UTF-8 like Debian's (C where there is none)."""
        arguments = ["-D", "data", "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync"]
        if self._run("initdb", *arguments, "--locale=C.UTF-8", check=False).returncode != 0:
            if self.directory is not None:
                shutil.rmtree(self.directory / "data", ignore_errors=True)
            self._run("initdb", *arguments, "--locale=C")

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run one of PostgreSQL's programs in our directory, as the server's user."""
        done = subprocess.run(
            [self.bin_dir / program, *args],
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            **self.as_user,
        )
        if check and done.returncode != 0:
            raise Unavailable(f"{program} failed: {' '.join(done.stderr.split())}")
        return done


async def create_database(url: URL, name: str) -> None:
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database="postgres"
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def sources(url: URL, named: bool) -> list[Source]:
    """What can give the tests a server, best first; NoServer when nothing can."""
    error = connect_error(url)
    if error is None:
        return [Running(url)]
    refused = not isinstance(error, OSError)  # a server answers there, but not to the tests
    if refused and named:
        raise NoServer(f"cannot use the PostgreSQL server of TEST_POSTGRES_URL: {error}")
    found: list[Source] = []
    if not refused and (cluster := stopped_cluster(url)):
        found.append(cluster)
    if directory := bin_dir():
        found.append(Throwaway(directory, url))
    if not found and refused:
        raise NoServer(
            f"cannot use the PostgreSQL server at {url.host}:{url.port}: {error}; {MISSING}"
        )
    if not found:
        raise NoServer(MISSING)
    return found


def run(command: list[str], url: URL) -> int:
    """Run command with TEST_POSTGRES_URL set to url; its exit status."""
    environment = {**os.environ, "TEST_POSTGRES_URL": url.render_as_string(hide_password=False)}
    with subprocess.Popen(command, env=environment) as process:
        try:
            return process.wait()
        except BaseException:
            process.terminate()
            raise


def serve(command: list[str], url: URL, named: bool) -> int:
    """Run command on the first source that starts; stop that source again afterwards."""
    candidates = sources(url, named)
    for source in candidates:
        try:
            ready = source.start()
        except Unavailable as reason:
            if source is candidates[-1]:
                raise NoServer(f"could not start PostgreSQL for the tests: {reason}") from reason
            logger.info("%s; trying the next way", reason)
            continue
        try:
            return run(command, ready)
        finally:
            source.stop()
    raise AssertionError("unreachable: the last source returns or raises")


def exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(arguments: list[str]) -> int:
    logging.basicConfig(format="make test: %(message)s", level=logging.INFO, stream=sys.stderr)
    check = arguments[:1] == ["--check"]
    command = arguments[1:] if check else arguments
    if not check and not command:
        logger.error("usage: postgres_for_tests.py [--check] COMMAND [ARG...]")
        return 2
    named = bool(os.environ.get("TEST_POSTGRES_URL"))
    url = make_url(os.environ.get("TEST_POSTGRES_URL") or DEFAULT_URL)
    url = url.set(port=url.port or 5432)
    signal.signal(signal.SIGTERM, exit_on_signal)
    signal.signal(signal.SIGHUP, exit_on_signal)
    try:
        if check:
            sources(url, named)
            return 0
        return serve(command, url, named)
    except NoServer as error:
        logger.error("%s", error)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
