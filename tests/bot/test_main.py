"""`python -m bot deliveries` lists the outbox as the contract says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.core.messages import Reply
from bot.storage import outbox
from bot.storage.database import Database

ROOT = Path(__file__).resolve().parents[2]


async def test_deliveries_are_listed_as_json_lines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await db.migrate()
    due = datetime(2027, 3, 13, 2, 0, tzinfo=UTC)
    async with db.session() as session:
        for kind, chat in (("reminder", "1"), ("broadcast", "U2")):
            await outbox.add(
                session,
                kind=kind,
                channel="telegram" if chat == "1" else "line",
                chat_id=chat,
                replies=[Reply("hello")],
                due_at=due,
            )
    await db.dispose()
    env = {**os.environ, "DATABASE_URL": url}

    def run(*args: str) -> list[dict[str, object]]:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "deliveries", "--json", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return [json.loads(line) for line in result.stdout.splitlines()]

    rows = run()
    assert [(r["kind"], r["channel"], r["status"]) for r in rows] == [
        ("broadcast", "line", "pending"),
        ("reminder", "telegram", "pending"),
    ]
    assert all(r["due_at"] == "2027-03-13T02:00:00Z" for r in rows)
    assert set(rows[0]) >= {"kind", "user", "channel", "due_at", "status"}
    assert [r["kind"] for r in run("--kind", "reminder")] == ["reminder"]
    assert run("--status", "sent") == []
